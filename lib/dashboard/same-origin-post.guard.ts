import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';

/** The header every dashboard action carries. A cross-site form or image cannot send it. */
export const DASHBOARD_ACTION_HEADER = 'x-dramatiq-dashboard';

interface RequestLike {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Cross-site request protection of the dashboard's actions: a POST must carry the custom header
 * (which no HTML form can set, and which a cross-origin fetch can only send after a CORS
 * preflight the dashboard never approves) and a JSON body, and a browser must not label it
 * cross-site (Sec-Fetch-Site). No token to leak and nothing to store.
 */
@Injectable()
export class SameOriginPostGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestLike>();
    if (request.method !== 'POST') return true;
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (header(DASHBOARD_ACTION_HEADER) !== '1') {
      throw new ForbiddenException(
        `Dashboard actions need the header ${DASHBOARD_ACTION_HEADER}: 1 (cross-site protection).`,
      );
    }
    if (!(header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new ForbiddenException('Dashboard actions take a JSON body (Content-Type: application/json).');
    }
    const site = header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new ForbiddenException(
        `Dashboard actions must come from the dashboard's own page (Sec-Fetch-Site: ${site}).`,
      );
    }
    return true;
  }
}
