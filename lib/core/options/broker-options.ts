import type { BrokerLogger } from '../logging/broker-logger.js';

export type ConnectionStrategy = 'pooled' | 'shared';

/** Linear backoff between connection attempts: intervalStart, +intervalStep each try, capped at intervalMax. */
export interface ConnectionRetryOptions {
  /** Retries after the first failed attempt, per outage. Default 5. `Infinity` retries forever. */
  maxRetries?: number;
  /** Wait before the first retry, in ms. Default 0. */
  intervalStart?: number;
  /** Added to the wait for each further retry, in ms. Default 2000. */
  intervalStep?: number;
  /** Upper bound of the wait, in ms. Default 30000. */
  intervalMax?: number;
}

export interface TlsOptions {
  /** CA certificate(s) (PEM) used to verify the server. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM), when the server asks for one. */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  /** Paths to PEM files, read once at startup; an alternative to ca / cert / key. */
  caFile?: string | string[];
  certFile?: string;
  keyFile?: string;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** Name checked against the server certificate; defaults to the URL's host name. */
  servername?: string;
  /** Verify the server certificate. Default true; turning it off is for local experiments only. */
  rejectUnauthorized?: boolean;
}

/** Options of the connection layer, shared by both strategies. */
export interface ConnectionOptions {
  /** One AMQP URL, or a list tried in order (failover). Default 'amqp://guest:guest@127.0.0.1:5672'. */
  url?: string | string[];
  /** Heartbeat interval in seconds; 0 disables heartbeats. Default 60. */
  heartbeat?: number;
  /** Time allowed for one connection attempt (TCP + TLS + AMQP handshake), in ms. Default 10000. */
  connectTimeout?: number;
  /**
   * Hand the frames amqplib queued in one go to the socket as one write (corked) instead of
   * one write per frame. Same bytes, same order; far fewer syscalls under load. Default true.
   */
  coalesceWrites?: boolean;
  retry?: ConnectionRetryOptions;
  /** Shown in the RabbitMQ management UI and `rabbitmqctl list_connections`. Default: the machine's hostname. */
  connectionName?: string;
  /** Extra AMQP client properties sent when connecting. */
  clientProperties?: Record<string, unknown>;
  tls?: TlsOptions;
}

export interface PoolOptions {
  /** strategy 'pooled': most producer connections open at once. Default 10. */
  maxProducerConnections?: number;
  /**
   * strategy 'pooled': most consumer connections open at once. Consumers fill one connection
   * (maxChannelsPerConsumerConnection x maxConsumersPerChannel) before the next opens. Default 100.
   */
  maxConsumerConnections?: number;
  /** strategy 'pooled': most consumer channels on one consumer connection. Default 100. */
  maxChannelsPerConsumerConnection?: number;
  /** strategy 'shared': most producer channels on the shared connection. Default 100. */
  maxProducerChannels?: number;
  /** strategy 'shared': most consumer channels on the shared connection. Default 100. */
  maxConsumerChannels?: number;
  /**
   * Consumers one consumer channel carries once every allowed channel is open (each keeps its own
   * prefetch). Until then each consumer gets a channel of its own. A channel error (RabbitMQ's
   * consumer_timeout, say) restarts every consumer of its channel, so 1 keeps them all apart.
   * Each consumed queue takes two consumers (q and q.DQ). Default 50.
   */
  maxConsumersPerChannel?: number;
  /**
   * strategy 'shared': most publishes in progress (written and awaiting their confirm, or
   * waiting for a reconnect to retry) per queue consumed by the running workers of this broker.
   * RabbitMQ's flow control throttles a whole connection: a publishing burst would also hold
   * back the acks of the consumers on the shared connection. Each queue grants its own credit,
   * so the cap grows with the queues consumed, counting up to 5. Default 200.
   */
  maxPublishesWhileConsuming?: number;
  /**
   * Publishes one producer channel carries at once (each awaiting its confirm); more open
   * another channel ('shared') or connection ('pooled'), up to the limits above. Default 1000.
   */
  maxPublishesPerChannel?: number;
  /** strategy 'pooled': how long an operation waits for a free connection, in ms. Default 10000. */
  acquireTimeout?: number;
}

export interface BrokerOptions extends ConnectionOptions, PoolOptions {
  strategy: ConnectionStrategy;
  /** Open the connections during application start (and fail start if RabbitMQ is unreachable). Default false: lazy. */
  connectOnStartup?: boolean;
  logger?: BrokerLogger;
}
