import type { ActorDefinition } from '../actor/actor-definition.js';
import { ActorArgumentsError } from '../actor/bind-arguments.js';
import type { DramatiqMessage } from '../message/message.js';
import { MessageContext, type Middleware, type MiddlewareHost } from '../middleware/middleware.js';
import { errorSummary } from '../middleware/retries.js';

/** What to do with the delivery once the message was handled. */
export type Outcome =
  | { kind: 'ack' }
  | { kind: 'dead-letter'; reason: string }
  /** Something went wrong around the actor (a retry could not be published, say): let RabbitMQ deliver it again. */
  | { kind: 'requeue'; reason: string };

/**
 * Runs one message through the middleware and its actor. It never throws: every path ends
 * in an Outcome, so the consumer always acks or nacks and the worker keeps going.
 */
export class MessageProcessor {
  constructor(
    private readonly middleware: () => readonly Middleware[],
    private readonly host: MiddlewareHost,
  ) {}

  async process(message: DramatiqMessage, actor: ActorDefinition, signal?: AbortSignal): Promise<Outcome> {
    const stack = this.middleware();
    const ctx = new MessageContext(message, actor, this.host);
    const onAbort = () => ctx.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const m of stack) {
        await m.beforeProcess?.(ctx);
        if (ctx.skipped) break;
      }
      if (ctx.skipped) {
        for (const m of [...stack].reverse()) await m.afterSkip?.(ctx);
        return ctx.failure !== undefined ? { kind: 'dead-letter', reason: ctx.failure } : { kind: 'ack' };
      }

      const run = stack.reduceRight<() => Promise<unknown>>(
        (next, m) => (m.aroundProcess ? () => m.aroundProcess!(ctx, next) : next),
        () => actor.invoke(message.args, message.kwargs),
      );
      try {
        ctx.result = await run();
      } catch (error) {
        // Abandoned because the worker is shutting down: not a failure of the message. It goes
        // back to the queue as it is; a retry copy on top of that would run it twice.
        if (signal?.aborted) return { kind: 'requeue', reason: 'abandoned by worker shutdown' };
        ctx.error = error ?? new Error('actor threw a nullish value');
        // Calling with arguments the function cannot take will never work: no retries.
        if (error instanceof ActorArgumentsError) ctx.fail(error.message);
      }
      for (const m of [...stack].reverse()) await m.afterProcess?.(ctx);

      if (ctx.failure !== undefined) return { kind: 'dead-letter', reason: ctx.failure };
      // An error nobody retried must not vanish with an ack.
      if (ctx.error !== undefined && !ctx.retried) return { kind: 'dead-letter', reason: errorSummary(ctx.error) };
      return { kind: 'ack' };
    } catch (hookError) {
      return { kind: 'requeue', reason: `middleware failed: ${errorSummary(hookError)}` };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
