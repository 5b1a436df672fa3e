/**
 * Actor and queue naming rules shared with Dramatiq, plus the queue-name
 * suffixes of its RabbitMQ layout (q, q.DQ for delays, q.XQ for dead letters).
 */

/** Dramatiq's own rule for actor and queue names (anchored: the whole name must match). */
import { BrokerError } from '../errors/broker-error.js';

export const NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9._-]*$/;

/**
 * AMQP queue names are at most 255 bytes; leave room for the 3-char .DQ/.XQ
 * suffix so the derived queues can always be declared too.
 */
export const MAX_QUEUE_NAME_LENGTH = 252;

export type NameKind = 'actor' | 'queue';

export class InvalidNameError extends BrokerError {
  readonly kind: NameKind;
  readonly value: unknown;

  constructor(kind: NameKind, value: unknown, detail?: string) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    super('INVALID_NAME', `Invalid ${kind} name ${shown}: ${detail ?? `it must match ${NAME_PATTERN.source}`}`);
    this.kind = kind;
    this.value = value;
  }
}

export function assertValidName(kind: NameKind, name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidNameError(kind, name);
  }
  if (kind === 'queue' && name.length > MAX_QUEUE_NAME_LENGTH) {
    throw new InvalidNameError(
      kind,
      name,
      `it is ${name.length} characters long; at most ${MAX_QUEUE_NAME_LENGTH} are allowed ` +
        `so that its .DQ/.XQ queues fit AMQP's 255-byte limit (pattern ${NAME_PATTERN.source})`,
    );
  }
}

const DELAY_SUFFIX = '.DQ';
const DEAD_LETTER_SUFFIX = '.XQ';

/** Name of the delay queue of `queueName` (accepts a canonical or derived name). */
export function delayQueueName(queueName: string): string {
  return canonicalQueueName(queueName) + DELAY_SUFFIX;
}

/** Name of the dead-letter queue of `queueName` (accepts a canonical or derived name). */
export function deadLetterQueueName(queueName: string): string {
  return canonicalQueueName(queueName) + DEAD_LETTER_SUFFIX;
}

/** Strips one trailing .DQ or .XQ, giving the queue actors are bound to. */
export function canonicalQueueName(queueName: string): string {
  return queueName.endsWith(DELAY_SUFFIX) || queueName.endsWith(DEAD_LETTER_SUFFIX)
    ? queueName.slice(0, -3)
    : queueName;
}

export function isDelayQueue(queueName: string): boolean {
  return queueName.endsWith(DELAY_SUFFIX);
}

export function isDeadLetterQueue(queueName: string): boolean {
  return queueName.endsWith(DEAD_LETTER_SUFFIX);
}
