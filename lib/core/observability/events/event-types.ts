import type { ConnectionRole } from '../../connection/connection-info.js';
import type { DramatiqMessage } from '../../message/message.js';

/** The actor ran and returned; the message is acked. */
export interface MessageSucceededEvent {
  readonly message: DramatiqMessage;
  /** Canonical queue (without .DQ). */
  readonly queueName: string;
  readonly actorName: string;
  readonly result: unknown;
  /** From delivery to the end of the after-hooks, in ms. */
  readonly durationMs: number;
}

/** The actor threw. A `retried` or `deadLettered` event tells what became of the message. */
export interface MessageFailedEvent {
  readonly message: DramatiqMessage;
  readonly queueName: string;
  readonly actorName: string;
  readonly error: unknown;
  readonly durationMs: number;
  /** A retry copy was published (the Retries middleware decided so). */
  readonly retried: boolean;
}

/** A retry copy of a failed message was published (after its confirm). */
export interface MessageRetriedEvent {
  /** The message that failed. */
  readonly message: DramatiqMessage;
  /** The copy that was sent (retries + 1, traceback, through q.DQ). */
  readonly retry: DramatiqMessage;
  readonly queueName: string;
  readonly actorName: string;
  readonly error: unknown;
  /** Backoff before the retry runs, in ms. */
  readonly delayMs: number;
  /** The retry's number (1 for the first retry). */
  readonly retries: number;
}

/** A delivery was rejected to the dead-letter queue (q.XQ). */
export interface MessageDeadLetteredEvent {
  /** Undefined when the body could not be decoded. */
  readonly message?: DramatiqMessage;
  readonly queueName: string;
  readonly actorName?: string;
  readonly reason: string;
}

/** A before-hook skipped the actor (AgeLimit: message older than its max age). */
export interface MessageSkippedEvent {
  readonly message: DramatiqMessage;
  readonly queueName: string;
  readonly actorName: string;
  readonly reason: string;
  readonly durationMs: number;
}

/** A delayed message (from q.DQ) is held in memory until its eta, or no longer held. */
export interface MessageDelayEvent {
  readonly message: DramatiqMessage;
  readonly queueName: string;
  readonly actorName: string;
}

/** A send was confirmed by RabbitMQ. */
export interface MessagePublishedEvent {
  /** As it went on the wire (a delayed send: routed to q.DQ, with its eta). */
  readonly message: DramatiqMessage;
  readonly queueName: string;
  readonly delayMs?: number;
  /** From the send call to RabbitMQ's confirm (waiting for a slot included), in ms. */
  readonly durationMs: number;
}

/** A send failed for good (after its own retries). */
export interface MessagePublishFailedEvent {
  readonly message: DramatiqMessage;
  readonly queueName: string;
  readonly error: unknown;
  /** Short, low-cardinality reason: confirm_timeout, rejected, buffer_full, connection, failed, ... */
  readonly reason: string;
  readonly durationMs: number;
}

/** A connection that was up went down; it reconnects on its own. */
export interface ConnectionLostEvent {
  readonly connectionId: string;
  readonly role: ConnectionRole;
  readonly error: Error;
}

/** A connection that had been lost is up again. */
export interface ConnectionRestoredEvent {
  readonly connectionId: string;
  readonly role: ConnectionRole;
  /** Time it was down, in ms. */
  readonly downtimeMs: number;
}

/** A result (a value or a final failure) was written to the results backend by the Results middleware. */
export interface ResultStoredEvent {
  readonly message: DramatiqMessage;
  readonly queueName: string;
  readonly actorName: string;
}

/** A getResult() call settled. */
export interface ResultAwaitedEvent {
  readonly messageId: string;
  /**
   * 'ready': the value came; 'failure': the actor's final failure came back (ResultFailureError);
   * 'timeout': none within the wait; 'missing': none yet (a read without block); 'error': the
   * backend failed.
   */
  readonly outcome: 'ready' | 'failure' | 'timeout' | 'missing' | 'error';
  readonly durationMs: number;
}

/** Every event of a broker, by name. */
export interface BrokerEventMap {
  succeeded: MessageSucceededEvent;
  failed: MessageFailedEvent;
  retried: MessageRetriedEvent;
  deadLettered: MessageDeadLetteredEvent;
  skipped: MessageSkippedEvent;
  connectionLost: ConnectionLostEvent;
  connectionRestored: ConnectionRestoredEvent;
  published: MessagePublishedEvent;
  publishFailed: MessagePublishFailedEvent;
  delayHeld: MessageDelayEvent;
  delayReleased: MessageDelayEvent;
  resultStored: ResultStoredEvent;
  resultAwaited: ResultAwaitedEvent;
}

export type BrokerEventName = keyof BrokerEventMap;

export type BrokerEventListener<K extends BrokerEventName> = (event: BrokerEventMap[K]) => unknown;
