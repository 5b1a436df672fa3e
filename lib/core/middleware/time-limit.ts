import { BrokerError } from '../errors/broker-error.js';
import type { MessageContext, Middleware } from './middleware.js';

export class TimeLimitExceededError extends BrokerError {
  constructor(actorName: string, limitMs: number) {
    // Short: it is logged with every retry. docs/troubleshooting.md has the fixes.
    super(
      'TIME_LIMIT_EXCEEDED',
      `Actor "${actorName}" ran longer than its time limit of ${limitMs} ms (run abandoned, AbortSignal fired)`,
    );
  }
}

/**
 * Bounds how long an actor may run (default 10 minutes, as Dramatiq). JavaScript cannot
 * kill a running promise, so on expiry the run is abandoned: the context's AbortSignal
 * fires (cooperative actors stop) and the message is handled as failed.
 */
export class TimeLimit implements Middleware {
  readonly name = 'TimeLimit';

  constructor(private readonly defaultLimit = 600_000) {}

  aroundProcess(ctx: MessageContext, next: () => Promise<unknown>): Promise<unknown> {
    const limit = ctx.option('time_limit', ctx.actor.options.timeLimit, this.defaultLimit);
    if (!(limit > 0) || !Number.isFinite(limit)) return next();
    // One plain timer per run: Node keeps timers of equal duration in one list, O(1) to add and
    // clear; a shared deadline queue was only ~80 ns/run cheaper (bench/micro/processor.mjs --timers).
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new TimeLimitExceededError(ctx.actor.name, limit);
        ctx.abort(error);
        reject(error);
      }, limit);
      try {
        next().then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      } catch (error) {
        // next() threw instead of returning a promise: rejects as before, but leaves no timer behind.
        clearTimeout(timer);
        throw error;
      }
    });
  }
}
