export { DramatiqBroker, type DramatiqBrokerOptions, type SendOptions, type MessageInput } from './broker.js';
export type {
  BrokerOptions,
  ConnectionOptions,
  ConnectionRetryOptions,
  ConnectionStrategy,
  PoolOptions,
  TlsOptions,
} from './options/broker-options.js';
export type { MessagingOptions } from './options/messaging-options.js';
export type { BrokerSettings } from './options/broker-settings.js';
export type { MessagingSettings } from './options/messaging-settings.js';
export type { ConnectionSettings } from './options/connection-settings.js';
export type { ChannelLease, ChannelRole, ConnectionHolder } from './connection/connection-holder.js';
export type { ConnectionInfo, ConnectionRole, ConnectionState } from './connection/connection-info.js';
export type { BrokerHealth, BrokerHealthStatus } from './health/broker-health.js';
export type { BrokerLogger } from './logging/broker-logger.js';
export { retryDelay, retrySchedule } from './connection/retry-policy.js';
export { redactUrl } from './security/redact.js';
export * from './errors/index.js';
export { ActorDefinition } from './actor/actor-definition.js';
export type { ActorOptions } from './actor/actor-options.js';
export { ActorRegistry, DuplicateActorError } from './actor/actor-registry.js';
export { ActorArgumentsError } from './actor/bind-arguments.js';
export * from './message/index.js';
export * from './middleware/index.js';
export * from './topology/index.js';
export {
  InvalidNameError,
  NAME_PATTERN,
  canonicalQueueName,
  delayQueueName,
  deadLetterQueueName,
} from './topology/naming.js';
export * from './publishing/publish.errors.js';
export type { EnqueueOptions } from './publishing/enqueuer.js';
export type { PublishStats } from './publishing/publisher.js';
export {
  QueueJoinTimeoutError,
  type JoinOptions,
  type QueueMessageCounts,
  type QueueStats,
} from './queues/queue-admin.js';
export * from './dead-letters/index.js';
export { Worker } from './worker/worker.js';
export type { WorkerOptions } from './worker/worker-options.js';
export type { Outcome } from './worker/message-processor.js';
export * from './results/index.js';
export * from './observability/index.js';
export * from './rate-limits/index.js';
export * from './workflows/index.js';
