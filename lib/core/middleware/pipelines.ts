import type { DramatiqMessage } from '../message/message.js';
import type { MessageContext, Middleware } from './middleware.js';

/**
 * Runs the next step of a Dramatiq pipeline: after a success, the message in options.pipe_target
 * is sent with this result appended to its args, unless the next step has the option pipe_ignore
 * or this actor has pipeIgnore; the next step's own delay option delays it, as in Dramatiq.
 */
export class Pipelines implements Middleware {
  readonly name = 'Pipelines';

  /** Not async: a message that is no pipeline step (most of them) costs no promise. */
  afterProcess(ctx: MessageContext): Promise<void> | void {
    const target = ctx.message.options.pipe_target as DramatiqMessage | undefined;
    if (ctx.error !== undefined || ctx.failure !== undefined || !target || typeof target !== 'object') return;
    return this.sendNext(ctx, target);
  }

  private async sendNext(ctx: MessageContext, target: DramatiqMessage): Promise<void> {
    const ignore = target.options?.pipe_ignore === true || ctx.actor.options.pipeIgnore === true;
    const next: DramatiqMessage = ignore ? target : { ...target, args: [...(target.args ?? []), ctx.result ?? null] };
    const delay = next.options?.delay;
    await ctx.host.enqueue(next, typeof delay === 'number' && delay > 0 ? { delay } : undefined);
  }
}
