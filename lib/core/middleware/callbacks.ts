import { queueForActor } from '../actor/actor-queue.js';
import { createMessage } from '../message/message.js';
import type { MessageContext, Middleware } from './middleware.js';
import { messageAsDict } from './retries.js';

/**
 * on_success / on_failure, by actor name (Dramatiq's Callbacks): on success the named actor
 * gets (message, result); once a message is dead-lettered it gets (message, {type, message}).
 * A callback actor unknown here is sent to the default queue (it may live in another worker).
 */
export class Callbacks implements Middleware {
  readonly name = 'Callbacks';

  /** Not async: a message without callbacks (most of them) costs no promise. */
  afterProcess(ctx: MessageContext): Promise<void> | void {
    const { on_success: onSuccess, on_failure: onFailure } = ctx.message.options;
    if (typeof onSuccess !== 'string' && typeof onFailure !== 'string') return;
    return this.runCallback(ctx, onSuccess, onFailure);
  }

  afterSkip(ctx: MessageContext): Promise<void> | void {
    return this.afterProcess(ctx);
  }

  private async runCallback(ctx: MessageContext, onSuccess: unknown, onFailure: unknown): Promise<void> {
    if (ctx.error === undefined && ctx.failure === undefined && typeof onSuccess === 'string') {
      await this.send(ctx, onSuccess, [messageAsDict(ctx), ctx.result ?? null]);
    } else if (ctx.failure !== undefined && typeof onFailure === 'string') {
      const error =
        ctx.error instanceof Error
          ? { type: ctx.error.name, message: ctx.error.message }
          : { type: 'Failure', message: ctx.failure };
      await this.send(ctx, onFailure, [messageAsDict(ctx), error]);
    }
  }

  private async send(ctx: MessageContext, actorName: string, args: unknown[]): Promise<void> {
    await ctx.host.enqueue(createMessage({ queueName: queueForActor(ctx.host, actorName), actorName, args }));
  }
}
