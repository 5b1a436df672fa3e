import { CONNECTION_RETRY } from '../policies/retry-policies.js';

/** Defaults, in one place so docs and code agree. Times in ms unless the name says otherwise. */
export const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const DEFAULT_HEARTBEAT_SECONDS = 60;
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
/** The connection's retry policy: see policies/retry-policies.ts for all five side by side. */
export const DEFAULT_RETRY = CONNECTION_RETRY;
export const DEFAULT_POOLS = {
  maxProducerConnections: 10,
  maxConsumerConnections: 100,
  maxProducerChannels: 100,
  maxConsumerChannels: 100,
  // 100 channels x 50 consumers: room for 2,500 queues (q and q.DQ each) on one connection.
  maxConsumersPerChannel: 50,
  maxChannelsPerConsumerConnection: 100,
  acquireTimeout: 10_000,
  maxPublishesPerChannel: 1_000,
  // RabbitMQ's credit flow grants a connection 400 messages, then 200 at a time (credit_flow_default_credit).
  maxPublishesWhileConsuming: 200,
} as const;
