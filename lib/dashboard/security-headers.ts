import { applyDecorators, Header } from '@nestjs/common';

/**
 * The page loads its own script and style and talks to its own API, nothing else: even a message
 * field that slipped into the page as markup could not run a script or send data elsewhere.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Set on every dashboard response, the JSON ones included. */
export function SecurityHeaders(): MethodDecorator {
  return applyDecorators(
    Header('Content-Security-Policy', CONTENT_SECURITY_POLICY),
    Header('X-Content-Type-Options', 'nosniff'),
    Header('X-Frame-Options', 'DENY'),
    Header('Referrer-Policy', 'no-referrer'),
    Header('Cache-Control', 'no-store'),
  );
}
