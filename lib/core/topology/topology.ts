/**
 * RabbitMQ queue layout of a Dramatiq queue q: q (work), q.DQ (delayed
 * messages) and q.XQ (dead letters), all on the default exchange.
 */
import { assertValidName, canonicalQueueName, deadLetterQueueName, delayQueueName } from './naming.js';
import { DelayTooLongError, InvalidTopologyOptionError } from './errors.js';

export const DEFAULT_DEAD_MESSAGE_TTL = 7 * 24 * 60 * 60 * 1000; // 604800000 ms, Dramatiq's default
export const DEAD_MESSAGE_TTL_ENV = 'dramatiq_dead_message_ttl';

export type QueueType = 'classic' | 'quorum';

export interface TopologyOptions {
  /** Adds x-max-priority to q and q.DQ. Integer 1..255. */
  maxPriority?: number;
  /** Longest allowed delay, ms; also set as q.DQ's x-message-ttl. */
  maxDelayTime?: number;
  /** x-message-ttl of q.XQ, ms. Default: env dramatiq_dead_message_ttl, else 7 days. */
  deadMessageTtl?: number;
  queueType?: QueueType;
}

/**
 * An integer queue argument with its AMQP type pinned. amqplib picks the
 * smallest type for a bare number (10 goes out as a byte), while Dramatiq/pika
 * send a signed 32-bit int; RabbitMQ treats both as equivalent, but pinning
 * makes our queues indistinguishable from Dramatiq's in rabbitmqctl.
 */
export interface AmqpInteger {
  readonly '!': 'int' | 'long';
  readonly value: number;
}

export function amqpInteger(value: number): AmqpInteger {
  return { '!': value >= -0x80000000 && value <= 0x7fffffff ? 'int' : 'long', value };
}

/** Arguments with typed integers unwrapped to plain numbers (for logs, comparisons). */
export function plainArguments(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    out[key] =
      typeof value === 'object' && value !== null && '!' in value && 'value' in value
        ? (value as AmqpInteger).value
        : value;
  }
  return out;
}

export interface QueueDeclarationOptions {
  durable: true;
  autoDelete: false;
  exclusive: false;
  arguments: Record<string, unknown>;
}

/** Usable as is: `channel.assertQueue(decl.name, decl.options)`. */
export interface QueueDeclaration {
  name: string;
  options: QueueDeclarationOptions;
}

function checkInteger(option: string, value: number, min: number, max: number, allowed: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidTopologyOptionError(option, value, allowed);
  }
}

function deadMessageTtlFromEnv(): number | undefined {
  const raw = process.env[DEAD_MESSAGE_TTL_ENV];
  // An empty variable is treated as unset (common with compose/env files).
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidTopologyOptionError(
      `deadMessageTtl (env ${DEAD_MESSAGE_TTL_ENV})`,
      JSON.stringify(raw),
      'a positive integer number of milliseconds',
    );
  }
  return value;
}

/**
 * Base of a queue layout. Subclass it (override any declaration method) for a
 * custom layout; the broker only relies on declarationsFor / assertDelayAllowed.
 */
export abstract class Topology {
  readonly maxPriority: number | undefined;
  readonly maxDelayTime: number | undefined;
  readonly deadMessageTtl: number;
  readonly queueType: QueueType;

  constructor(options: TopologyOptions = {}) {
    const { maxPriority, maxDelayTime, deadMessageTtl, queueType = 'classic' } = options;
    const ms = 'a positive integer number of milliseconds';
    if (maxPriority !== undefined) checkInteger('maxPriority', maxPriority, 1, 255, 'an integer from 1 to 255');
    if (maxDelayTime !== undefined) checkInteger('maxDelayTime', maxDelayTime, 1, Number.MAX_SAFE_INTEGER, ms);
    if (deadMessageTtl !== undefined) checkInteger('deadMessageTtl', deadMessageTtl, 1, Number.MAX_SAFE_INTEGER, ms);
    if (queueType !== 'classic' && queueType !== 'quorum') {
      throw new InvalidTopologyOptionError('queueType', queueType, '"classic" or "quorum"');
    }
    // RabbitMQ 3.x refuses x-max-priority on quorum queues (406 "invalid arg"); fail early instead.
    if (queueType === 'quorum' && maxPriority !== undefined) {
      throw new InvalidTopologyOptionError(
        'maxPriority',
        maxPriority,
        'unset when queueType is "quorum": RabbitMQ quorum queues do not support x-max-priority',
      );
    }
    this.maxPriority = maxPriority;
    this.maxDelayTime = maxDelayTime;
    this.deadMessageTtl = deadMessageTtl ?? deadMessageTtlFromEnv() ?? DEFAULT_DEAD_MESSAGE_TTL;
    this.queueType = queueType;
  }

  /** q: dead-letters rejected messages to q.XQ. */
  canonicalQueue(queueName: string): QueueDeclaration {
    const q = this.validQueue(queueName);
    return this.declaration(q, {
      ...this.deadLetterTo(deadLetterQueueName(q)),
      ...this.priorityArguments(),
    });
  }

  /** q.DQ: where delayed messages wait; the layouts differ in where it dead-letters to. */
  abstract delayQueue(queueName: string): QueueDeclaration;

  /** q.XQ: dead letters, expired after deadMessageTtl. */
  deadLetterQueue(queueName: string): QueueDeclaration {
    const q = this.validQueue(queueName);
    return this.declaration(deadLetterQueueName(q), {
      'x-message-ttl': amqpInteger(this.deadMessageTtl),
    });
  }

  /** All three queues, dead-letter queue first so every DLX target exists before its source. */
  declarationsFor(queueName: string): QueueDeclaration[] {
    return [this.deadLetterQueue(queueName), this.canonicalQueue(queueName), this.delayQueue(queueName)];
  }

  /** Throws DelayTooLongError when maxDelayTime is set and `delayMs` exceeds it. */
  assertDelayAllowed(queueName: string, delayMs: number): void {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(`Delay for queue "${queueName}" must be a finite number of ms >= 0, got ${delayMs}`);
    }
    if (this.maxDelayTime !== undefined && delayMs > this.maxDelayTime) {
      throw new DelayTooLongError(canonicalQueueName(queueName), delayMs, this.maxDelayTime);
    }
  }

  /**
   * Per-message expiration for a delayed publish, or undefined for none. Only layouts whose
   * q.DQ dead-letters to q may set one: there an expired message moves to q by itself.
   */
  delayExpiration(_delayMs: number): string | undefined {
    return undefined;
  }

  /** Shared q.DQ shape: dead-letters (when its wait is over) to `routingKey`. */
  protected delayQueueTo(queueName: string, routingKey: (q: string) => string): QueueDeclaration {
    const q = this.validQueue(queueName);
    const args: Record<string, unknown> = { ...this.deadLetterTo(routingKey(q)), ...this.priorityArguments() };
    if (this.maxDelayTime !== undefined) args['x-message-ttl'] = amqpInteger(this.maxDelayTime);
    return this.declaration(delayQueueName(q), args);
  }

  protected deadLetterTo(routingKey: string): Record<string, unknown> {
    return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': routingKey };
  }

  protected priorityArguments(): Record<string, unknown> {
    return this.maxPriority === undefined ? {} : { 'x-max-priority': amqpInteger(this.maxPriority) };
  }

  /** Builds a fresh declaration (callers may mutate it) with the queue type applied. */
  protected declaration(name: string, args: Record<string, unknown>): QueueDeclaration {
    const finalArgs = this.queueType === 'quorum' ? { ...args, 'x-queue-type': 'quorum' } : args;
    return { name, options: { durable: true, autoDelete: false, exclusive: false, arguments: finalArgs } };
  }

  /** Canonical name of `queueName` (q.DQ/q.XQ accepted), validated. */
  protected validQueue(queueName: string): string {
    assertValidName('queue', queueName);
    const q = canonicalQueueName(queueName);
    assertValidName('queue', q);
    return q;
  }
}

/**
 * dramatiq-kombu-broker's default: q.DQ dead-letters back to q, so RabbitMQ
 * itself moves a message to q once its x-message-ttl (maxDelayTime) expires.
 */
export class DefaultDramatiqTopology extends Topology {
  override delayQueue(queueName: string): QueueDeclaration {
    return this.delayQueueTo(queueName, (q) => q);
  }

  /** The delay as the message's TTL: even with no worker on q.DQ it reaches q when due. */
  override delayExpiration(delayMs: number): string | undefined {
    return String(Math.max(0, Math.round(delayMs)));
  }
}

/** Dramatiq's own layout: q.DQ dead-letters to q.XQ (the worker moves due messages itself). */
export class DLXRoutingTopology extends Topology {
  override delayQueue(queueName: string): QueueDeclaration {
    return this.delayQueueTo(queueName, deadLetterQueueName);
  }
}
