import { BrokerError } from './broker-error.js';

/**
 * Errors raised while opening or keeping a connection. Each carries the redacted
 * address it concerns (never the password) and the original error as `cause`.
 */
export abstract class BrokerConnectionError extends BrokerError {
  constructor(
    code: string,
    message: string,
    readonly address: string | undefined,
    cause?: unknown,
  ) {
    super(code, message, { cause });
  }
}

export class ConnectionRefusedError extends BrokerConnectionError {
  constructor(address: string | undefined, cause?: unknown) {
    super(
      'CONNECTION_REFUSED',
      `RabbitMQ refused the connection to ${address ?? 'the broker'}: nothing is listening there. ` +
        'Check that RabbitMQ is running, that host and port in the URL are right (5672, or 5671 for amqps), ' +
        'and that no firewall blocks the port.',
      address,
      cause,
    );
  }
}

export class AuthenticationFailedError extends BrokerConnectionError {
  constructor(address: string | undefined, cause?: unknown) {
    super(
      'AUTHENTICATION_FAILED',
      `RabbitMQ refused the login to ${address ?? 'the broker'} (403 ACCESS_REFUSED). ` +
        'Check the user name and password in the URL; the user must exist on that node ' +
        "(the built-in 'guest' user can only log in from localhost).",
      address,
      cause,
    );
  }
}

export class ConnectionLimitReachedError extends BrokerConnectionError {
  constructor(address: string | undefined, vhost: string, cause?: unknown) {
    super(
      'CONNECTION_LIMIT_REACHED',
      `RabbitMQ closed the connection to ${address ?? 'the broker'} while opening it, without a reason. ` +
        `Most likely a connection limit is reached (max-connections of vhost '${vhost}' or of the user). ` +
        "Less often the vhost does not exist or the user has no access to it. Fix: use strategy 'shared' or lower " +
        'maxConsumerConnections / maxProducerConnections, raise the limit (rabbitmqctl set_vhost_limits / ' +
        'set_user_limits), or create the vhost / grant the user access (rabbitmqctl add_vhost, set_permissions). ' +
        'The server log names the exact cause.',
      address,
      cause,
    );
  }
}

export class ConnectTimeoutError extends BrokerConnectionError {
  constructor(address: string | undefined, timeoutMs: number, cause?: unknown) {
    super(
      'CONNECT_TIMEOUT',
      `Connecting to ${address ?? 'the broker'} did not complete within ${timeoutMs} ms. ` +
        'The host may be unreachable, a firewall may drop the packets, or the server may be at its ' +
        'connection_max limit (it then leaves new connections hanging). Check the address, or raise connectTimeout.',
      address,
      cause,
    );
  }
}

export class HeartbeatTimeoutError extends BrokerConnectionError {
  constructor(address: string | undefined, heartbeatSeconds: number, cause?: unknown) {
    super(
      'HEARTBEAT_TIMEOUT',
      `The connection to ${address ?? 'the broker'} missed its heartbeats (interval ${heartbeatSeconds} s) and was ` +
        'considered dead. The network path dropped or stalled. The broker reconnects by itself; if this repeats, ' +
        'check the network, lower the heartbeat (for example 30 s) or look for a blocked event loop in this process.',
      address,
      cause,
    );
  }
}

export class TlsHandshakeError extends BrokerConnectionError {
  constructor(address: string | undefined, detail: string, cause?: unknown) {
    super(
      'TLS_FAILED',
      `The TLS handshake with ${address ?? 'the broker'} failed: ${detail}. ` +
        'Check tls.ca (the CA that signed the server certificate), tls.cert and tls.key (the client ' +
        "certificate, if the server requires one) and tls.servername (must match the server certificate's name).",
      address,
      cause,
    );
  }
}

export class ConnectionLostError extends BrokerConnectionError {
  constructor(address: string | undefined, detail: string, cause?: unknown) {
    super(
      'CONNECTION_LOST',
      `The connection to ${address ?? 'the broker'} was lost: ${detail}. The broker reconnects by itself.`,
      address,
      cause,
    );
  }
}

/** Any other failure to connect; the message keeps the underlying reason. */
export class ConnectionFailedError extends BrokerConnectionError {
  constructor(address: string | undefined, detail: string, cause?: unknown) {
    super('CONNECTION_FAILED', `Could not connect to ${address ?? 'the broker'}: ${detail}.`, address, cause);
  }
}

export class BrokerClosedError extends BrokerError {
  constructor(what = 'the operation') {
    super('BROKER_CLOSED', `The broker connection was closed while ${what} was waiting for it.`);
  }
}
