/**
 * Dramatiq's message model (the dict its JSON encoder puts on the wire) and
 * the pure transformations a broker applies to it.
 */
import { randomUUID } from 'node:crypto';
import { assertValidName, canonicalQueueName, delayQueueName } from '../topology/naming.js';

/**
 * Options Dramatiq's middleware reads from the wire. Anything else is kept as
 * is (index signature) so a message forwarded by us loses nothing another
 * Dramatiq middleware put there. Nested values are not validated on decode.
 */
export interface MessageOptions {
  /** Epoch ms at which a delayed message becomes due (set on q.DQ messages). */
  eta?: number;
  /** AMQP priority, sent as the message's `priority` property. */
  broker_priority?: number;
  retries?: number;
  traceback?: string;
  requeue_timestamp?: number;
  max_retries?: number;
  /** ms */
  min_backoff?: number;
  /** ms */
  max_backoff?: number;
  /** ms */
  time_limit?: number;
  /** ms */
  max_age?: number;
  /** Actor names of callbacks. */
  on_success?: string;
  on_failure?: string;
  on_retry_exhausted?: string;
  /** The next pipeline step, as an encoded-message object. */
  pipe_target?: DramatiqMessage;
  pipe_ignore?: boolean;
  /** ms */
  delay?: number;
  /** The barrier of the group run this message completes (GroupCallbacks). */
  group_completion_uuid?: string;
  /** Messages sent once every member of the group completed (GroupCallbacks). */
  group_completion_callbacks?: DramatiqMessage[];
  group_completion_count?: number;
  store_results?: boolean;
  /** ms */
  result_ttl?: number;
  [key: string]: unknown;
}

export interface DramatiqMessage {
  readonly queue_name: string;
  readonly actor_name: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly options: MessageOptions;
  /** uuid4 string */
  readonly message_id: string;
  /** ms since the epoch, integer */
  readonly message_timestamp: number;
}

export interface CreateMessageInput {
  queueName: string;
  actorName: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: MessageOptions;
  messageId?: string;
  /** ms since the epoch; defaults to Date.now() */
  timestamp?: number;
}

export function createMessage(input: CreateMessageInput): DramatiqMessage {
  assertValidName('queue', input.queueName);
  assertValidName('actor', input.actorName);
  // Shallow copies so later mutation of the caller's containers cannot change a built message.
  return {
    queue_name: input.queueName,
    actor_name: input.actorName,
    args: input.args ? [...input.args] : [],
    kwargs: input.kwargs ? { ...input.kwargs } : {},
    options: input.options ? { ...input.options } : {},
    message_id: input.messageId ?? randomUUID(),
    message_timestamp: input.timestamp ?? Date.now(),
  };
}

export type MessageChanges = Partial<Omit<DramatiqMessage, 'options'>> & {
  options?: MessageOptions;
};

/**
 * New message with `changes` applied; `options` are merged into the existing
 * ones (existing keys keep their position, as Python's dict.update does, so
 * the encoded key order matches Dramatiq's copies).
 */
export function copyMessage(msg: DramatiqMessage, changes: MessageChanges = {}): DramatiqMessage {
  return {
    queue_name: changes.queue_name ?? msg.queue_name,
    actor_name: changes.actor_name ?? msg.actor_name,
    args: changes.args ?? msg.args,
    kwargs: changes.kwargs ?? msg.kwargs,
    options: changes.options ? { ...msg.options, ...changes.options } : { ...msg.options },
    message_id: changes.message_id ?? msg.message_id,
    message_timestamp: changes.message_timestamp ?? msg.message_timestamp,
  };
}

/** The copy Dramatiq publishes for a delayed send: routed to q.DQ, due at `eta` (epoch ms). */
export function toDelayed(msg: DramatiqMessage, eta: number): DramatiqMessage {
  return copyMessage(msg, { queue_name: delayQueueName(msg.queue_name), options: { eta } });
}

/** Same as toDelayed with eta = now + delayMs. */
export function withDelay(msg: DramatiqMessage, delayMs: number, now: number = Date.now()): DramatiqMessage {
  return toDelayed(msg, now + delayMs);
}

/**
 * The copy a worker publishes to q once a delayed message is due: canonical
 * queue name and no eta (Dramatiq deletes it, keeping other options in order).
 */
export function toDue(msg: DramatiqMessage): DramatiqMessage {
  const { eta: _eta, ...options } = msg.options;
  return { ...copyMessage(msg, { queue_name: canonicalQueueName(msg.queue_name) }), options };
}
