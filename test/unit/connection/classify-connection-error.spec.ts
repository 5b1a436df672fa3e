import { describe, expect, it } from '@jest/globals';
import { classifyConnectionError } from '../../../lib/core/connection/classify-connection-error.js';
import { resolveConnectionSettings } from '../../../lib/core/options/connection-settings.js';

const settings = resolveConnectionSettings({ url: 'amqp://bob:s3cretpw@127.0.0.1:5672/prod', heartbeat: 30 });
const endpoint = settings.endpoints[0];
const errno = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('classifyConnectionError', () => {
  it.each([
    [errno('connect ECONNREFUSED 127.0.0.1:5672', 'ECONNREFUSED'), 'CONNECTION_REFUSED', /RabbitMQ is running/],
    [
      new Error(
        'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
      ),
      'AUTHENTICATION_FAILED',
      /user name and password/,
    ],
    [
      new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'),
      'CONNECTION_LIMIT_REACHED',
      /connection limit.*vhost 'prod'/s,
    ],
    [new Error('connect ETIMEDOUT'), 'CONNECT_TIMEOUT', /within 10000 ms/],
    [new Error('Heartbeat timeout'), 'HEARTBEAT_TIMEOUT', /interval 30 s/],
    [errno('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), 'TLS_FAILED', /tls\.ca/],
    [
      errno('tlsv13 alert certificate required', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'),
      'TLS_FAILED',
      /client certificate/,
    ],
  ])('%s -> %s', (err, code, text) => {
    const classified = classifyConnectionError(err, endpoint, settings, 'connect');
    expect(classified.code).toBe(code);
    expect(classified.message).toMatch(text);
    expect(classified.cause).toBe(err);
    expect(classified.message).toContain('127.0.0.1:5672');
    expect(classified.message).not.toContain('s3cretpw');
  });

  it('reports a forced close as a lost connection and scrubs secrets from quoted text', () => {
    const err = new Error('Connection closed: 320 (CONNECTION-FORCED) for amqp://bob:s3cretpw@host');
    const classified = classifyConnectionError(err, endpoint, settings, 'disconnect');
    expect(classified.code).toBe('CONNECTION_LOST');
    expect(classified.message).toContain('CONNECTION-FORCED');
    expect(classified.message).not.toContain('s3cretpw');
  });
});
