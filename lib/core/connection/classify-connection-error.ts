import type { BrokerConnectionError } from '../errors/connection.errors.js';
import {
  AuthenticationFailedError,
  ConnectionFailedError,
  ConnectionLimitReachedError,
  ConnectionLostError,
  ConnectionRefusedError,
  ConnectTimeoutError,
  HeartbeatTimeoutError,
  TlsHandshakeError,
} from '../errors/connection.errors.js';
import { scrubSecrets } from '../security/redact.js';
import type { ConnectionSettings, Endpoint } from '../options/connection-settings.js';

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_OSSL_BAD_DECRYPT',
  'ERR_OSSL_EVP_BAD_DECRYPT',
]);

/**
 * Turns what amqplib / node:net / node:tls report into one of our typed errors.
 * The raw error stays as `cause`; its text is scrubbed of secrets before we quote it.
 */
export function classifyConnectionError(
  err: unknown,
  endpoint: Endpoint | undefined,
  settings: ConnectionSettings,
  phase: 'connect' | 'disconnect',
): BrokerConnectionError {
  const e = (err ?? {}) as NodeJS.ErrnoException & { code?: unknown };
  const message = scrubSecrets(String(e.message ?? err ?? 'unknown error'), settings.secrets);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const address = endpoint?.address;

  if (code === 'ECONNREFUSED') return new ConnectionRefusedError(address, err);
  if (/ACCESS[-_]REFUSED/.test(message)) return new AuthenticationFailedError(address, err);
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) {
    return new ConnectionLimitReachedError(address, endpoint?.vhost ?? '/', err);
  }
  if (/Heartbeat timeout/i.test(message)) return new HeartbeatTimeoutError(address, settings.heartbeat, err);
  if (message === 'connect ETIMEDOUT' || code === 'ETIMEDOUT') {
    return new ConnectTimeoutError(address, settings.connectTimeout, err);
  }
  if (
    (code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) ||
    /certificate|SSL routines|alert/i.test(message)
  ) {
    return new TlsHandshakeError(address, tlsDetail(code, message), err);
  }
  if (phase === 'disconnect') return new ConnectionLostError(address, message, err);
  return new ConnectionFailedError(address, message, err);
}

function tlsDetail(code: string | undefined, message: string): string {
  switch (code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `the server certificate is not signed by a trusted CA (${code}); pass that CA as tls.ca`;
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return 'the server requires a client certificate and none was sent (set tls.cert and tls.key)';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the server certificate does not match the host name (${message})`;
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
      return 'the server does not trust the client certificate (signed by a CA it does not know)';
    default:
      return code ? `${message} (${code})` : message;
  }
}
