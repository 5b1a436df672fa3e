/** Defaults, in one place so docs and code agree. Times in ms unless the name says otherwise. */
export const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const DEFAULT_HEARTBEAT_SECONDS = 60;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
export const DEFAULT_RETRY = { maxRetries: 5, intervalStart: 0, intervalStep: 2_000, intervalMax: 30_000 } as const;
export const DEFAULT_POOLS = {
  maxProducerConnections: 10,
  maxConsumerConnections: 100,
  maxProducerChannels: 100,
  maxConsumerChannels: 100,
  acquireTimeout: 10_000,
  maxPublishesPerChannel: 1_000,
  // RabbitMQ's credit flow grants a connection 400 messages, then 200 at a time (credit_flow_default_credit).
  maxPublishesWhileConsuming: 200,
} as const;
