import type { ActorDefinition } from '../actor/actor-definition.js';
import type { ConsumerLease, QueueLease } from '../connection/connection-holder.js';
import type { ConsumerRoom } from '../errors/pool.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { DramatiqMessage } from '../message/message.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';
import type { MessageProcessor } from './message-processor.js';

/** What a worker needs from the broker; DramatiqBroker provides it. */
export interface WorkerHost {
  readonly logger: BrokerLogger;
  readonly processor: MessageProcessor;
  readonly maxMessageBytes: number;
  /** Wait before a consumer whose connection gave up is started again. */
  readonly restartDelayMs: number;
  acquireConsumer(): Promise<ConsumerLease>;
  /** Room for more consumers (checked before a worker opens anything). */
  consumerRoom(): ConsumerRoom;
  /** A connection for operator channels (the dead letters a consumer writes). */
  acquireForQueues(): Promise<QueueLease>;
  declareQueue(queueName: string): Promise<void>;
  /** Drops the cached declaration, so the next declareQueue() declares again. */
  forgetQueue(queueName: string): void;
  enqueue(message: DramatiqMessage, options?: { delay?: number }): Promise<DramatiqMessage>;
  getActor(name: string): ActorDefinition | undefined;
  /** A worker of this host started (true) or stopped (false) consuming `queueCount` queues. */
  workerRunning?(running: boolean, queueCount: number): void;
  /** Where consumers report dead-letters and delayed messages held. */
  readonly events?: BrokerEvents;
}
