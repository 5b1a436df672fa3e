import type { MessageContext, Middleware } from './middleware.js';
import { errorSummary } from './retries.js';

/**
 * Logs what happens to each message: received, succeeded (with duration) or failed. Retries
 * and dead-lettering are logged where they are decided. Not in the default stack: add it
 * when you want a line per message.
 */
export class MessageLogging implements Middleware {
  readonly name = 'MessageLogging';
  private readonly started = new WeakMap<MessageContext, number>();

  beforeProcess(ctx: MessageContext): void {
    this.started.set(ctx, Date.now());
    const retries = ctx.message.options.retries;
    ctx.host.logger.log(
      `Received ${ctx.message.message_id} ${ctx.actor.name}(${preview(ctx.message.args, ctx.message.kwargs)})${retries ? ` (retry ${retries})` : ''}`,
    );
  }

  afterProcess(ctx: MessageContext): void {
    const ms = Date.now() - (this.started.get(ctx) ?? ctx.receivedAt);
    if (ctx.error === undefined)
      ctx.host.logger.log(`Succeeded ${ctx.message.message_id} ${ctx.actor.name} in ${ms} ms`);
    else
      ctx.host.logger.warn(
        `Failed ${ctx.message.message_id} ${ctx.actor.name} after ${ms} ms: ${errorSummary(ctx.error)}`,
      );
  }
}

function preview(args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): string {
  const keywords = Object.entries(kwargs).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const text = [JSON.stringify(args).slice(1, -1), ...keywords].filter(Boolean).join(',');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
