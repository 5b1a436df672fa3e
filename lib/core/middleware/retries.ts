import { MESSAGE_RETRIES } from '../policies/retry-policies.js';
import { queueForActor } from '../actor/actor-queue.js';
import { copyMessage, createMessage, toDue } from '../message/message.js';
import { DelayTooLongError } from '../topology/errors.js';
import { computeBackoff } from './compute-backoff.js';
import type { MessageContext, Middleware } from './middleware.js';

export interface RetriesOptions {
  maxRetries?: number;
  minBackoff?: number;
  maxBackoff?: number;
  retryWhen?: (retries: number, error: unknown) => boolean;
  random?: () => number;
}

/** Dramatiq's defaults. */
/** Dramatiq's defaults (policies/retry-policies.ts: the message retries policy). */
export const RETRY_DEFAULTS = MESSAGE_RETRIES;

const MAX_TRACEBACK = 4_000;

/**
 * Re-enqueues a failed message with exponential backoff, as Dramatiq 2 does: retries+1,
 * traceback and requeue_timestamp in its options, delay through q.DQ. When retries are
 * spent (or the error is one the actor `throws`, or retryWhen says no) the message is
 * dead-lettered. The original is acked only after the retry copy was confirmed.
 */
export class Retries implements Middleware {
  readonly name = 'Retries';
  private readonly defaults: Required<Omit<RetriesOptions, 'retryWhen'>> & Pick<RetriesOptions, 'retryWhen'>;

  constructor(options: RetriesOptions = {}) {
    this.defaults = {
      maxRetries: options.maxRetries ?? RETRY_DEFAULTS.maxRetries,
      minBackoff: options.minBackoff ?? RETRY_DEFAULTS.minBackoff,
      maxBackoff: options.maxBackoff ?? RETRY_DEFAULTS.maxBackoff,
      retryWhen: options.retryWhen,
      random: options.random ?? Math.random,
    };
  }

  /** Not async: a message that succeeded (most of them) costs no promise. */
  afterProcess(ctx: MessageContext): Promise<void> | void {
    if (ctx.error === undefined || ctx.failure !== undefined) return;
    return this.retryOrGiveUp(ctx);
  }

  private async retryOrGiveUp(ctx: MessageContext): Promise<void> {
    const { actor, message, error } = ctx;
    const actorOptions = actor.options;
    // As Dramatiq: the count before this failure decides and sets the backoff exponent.
    const previous = Number(message.options.retries ?? 0);
    const retries = previous + 1;
    const describe = errorSummary(error);

    if (actorOptions.throws?.some((cls) => error instanceof cls)) {
      ctx.fail(`${describe} is in the actor's "throws" list: not retried`, 'not_retried');
      return;
    }
    const retryWhen = actorOptions.retryWhen ?? this.defaults.retryWhen;
    const maxRetries = ctx.option('max_retries', actorOptions.maxRetries, this.defaults.maxRetries);
    if (retryWhen ? !retryWhen(previous, error) : previous >= maxRetries) {
      ctx.fail(
        retryWhen
          ? `retryWhen declined retry ${retries} after ${describe}`
          : `retries exceeded (${maxRetries}) after ${describe}`,
        retryWhen ? 'not_retried' : 'retries_exceeded',
      );
      await this.notifyExhausted(ctx);
      return;
    }
    const minBackoff = ctx.option('min_backoff', actorOptions.minBackoff, this.defaults.minBackoff);
    const maxBackoff = Math.min(
      ctx.option('max_backoff', actorOptions.maxBackoff, this.defaults.maxBackoff),
      RETRY_DEFAULTS.maxBackoff,
    );
    let delay = computeBackoff(previous, minBackoff, maxBackoff, this.defaults.random);
    const retry = copyMessage(toDue(message), {
      options: { retries, traceback: traceback(error), requeue_timestamp: Date.now() },
    });
    try {
      await ctx.host.enqueue(retry, { delay });
    } catch (err) {
      // The topology's maxDelayTime is shorter than this backoff: wait the longest allowed instead.
      if (!(err instanceof DelayTooLongError)) throw err;
      delay = err.maxDelay;
      await ctx.host.enqueue(retry, { delay });
    }
    ctx.retried = true;
    const events = ctx.host.events;
    if (events?.has('retried')) {
      events.emit('retried', {
        message,
        retry,
        queueName: message.queue_name,
        actorName: actor.name,
        error,
        delayMs: delay,
        retries,
      });
    }
    ctx.host.logger.warn(
      `Message ${message.message_id} (${actor.name}) failed: ${describe}. Retry ${retries} of ${maxRetries} in ${delay} ms.`,
    );
  }

  private async notifyExhausted(ctx: MessageContext): Promise<void> {
    const target = ctx.message.options.on_retry_exhausted;
    if (typeof target !== 'string') return;
    await ctx.host.enqueue(
      createMessage({
        queueName: queueForActor(ctx.host, target),
        actorName: target,
        args: [
          messageAsDict(ctx),
          {
            retries: ctx.message.options.retries ?? 0,
            max_retries: ctx.option('max_retries', ctx.actor.options.maxRetries, this.defaults.maxRetries),
          },
        ],
      }),
    );
  }
}

/** "Name: message" without a trailing full stop, so it reads well inside a log sentence. */
export function errorSummary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.replace(/\.$/, '')}`;
  return `non-error thrown: ${String(error)}`;
}

function traceback(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > MAX_TRACEBACK ? `${text.slice(0, MAX_TRACEBACK)}\n[truncated]` : text;
}

export function messageAsDict(ctx: MessageContext): Record<string, unknown> {
  return { ...ctx.message };
}
