import type { ActorDefinition } from '../actor/actor-definition.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { DeadLetterReason } from '../dead-letters/dead-letter-reason.js';
import type { DramatiqMessage } from '../message/message.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';

/** What middleware may ask of the broker while handling a message. */
export interface MiddlewareHost {
  readonly logger: BrokerLogger;
  readonly defaultQueueName: string;
  /** Publishes a message (with confirm); `delay` in ms sends it through q.DQ. */
  enqueue(message: DramatiqMessage, options?: { delay?: number }): Promise<DramatiqMessage>;
  getActor(name: string): ActorDefinition | undefined;
  /** The broker's events; middleware emits the outcomes it decides (Retries: 'retried'). */
  readonly events?: BrokerEvents;
}

/** The state of one message while the worker handles it; middleware reads and marks it. */
export class MessageContext {
  /** Value the actor returned. */
  result: unknown;
  /** Error the actor threw (or a middleware put in its place, like a time limit). */
  error: unknown;
  /** Set when the message must be dead-lettered (nack without requeue). */
  failure?: string;
  /** Which kind of failure `failure` is, written on the dead-lettered copy. */
  failureReason?: DeadLetterReason;
  /** Set when a middleware re-enqueued the message (a retry): the original is then acked. */
  retried = false;
  /** Set by a before-hook to skip the actor. */
  skipped?: string;
  // Created on first use: most runs never look at their signal, and an AbortController is not free.
  private abortController: AbortController | undefined = undefined;

  constructor(
    readonly message: DramatiqMessage,
    readonly actor: ActorDefinition,
    readonly host: MiddlewareHost,
    readonly receivedAt = Date.now(),
  ) {}

  /** Aborted when the run exceeds its time limit or the worker shuts down; actors may watch it. */
  get signal(): AbortSignal {
    return (this.abortController ??= new AbortController()).signal;
  }

  /** Whether the run was abandoned (time limit, shutdown); unlike `signal.aborted`, creates nothing. */
  get aborted(): boolean {
    return this.abortController?.signal.aborted === true;
  }

  abort(reason: unknown): void {
    (this.abortController ??= new AbortController()).abort(reason);
  }

  /**
   * Marks the message for the dead-letter queue, with the sentence that goes to the log and
   * the kind of failure that goes on the dead-lettered copy (default 'failed').
   */
  fail(reason: string, kind: DeadLetterReason = 'failed'): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.failureReason = kind;
  }

  /** Skips the actor (from a before-hook); `fail` as well to dead-letter instead of ack. */
  skip(reason: string): void {
    this.skipped ??= reason;
  }

  /** A message's own option wins over the actor's, which wins over the fallback. */
  option<T>(wireName: string, actorValue: T | undefined, fallback: T): T {
    const fromMessage = this.message.options[wireName];
    return (fromMessage ?? actorValue ?? fallback) as T;
  }
}

/**
 * A small piece of the processing pipeline. Every hook is optional. Before-hooks run in
 * stack order, after-hooks in reverse order (so the first middleware sees the final
 * state), and `aroundProcess` wraps the actor call like an onion.
 */
export interface Middleware {
  readonly name: string;
  /** Called for each send; may return a changed message (options, say). */
  beforeEnqueue?(message: DramatiqMessage, delay: number | undefined): DramatiqMessage | void;
  beforeProcess?(context: MessageContext): void | Promise<void>;
  aroundProcess?(context: MessageContext, next: () => Promise<unknown>): Promise<unknown>;
  afterProcess?(context: MessageContext): void | Promise<void>;
  afterSkip?(context: MessageContext): void | Promise<void>;
}
