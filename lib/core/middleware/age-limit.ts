import type { MessageContext, Middleware } from './middleware.js';

/** Dead-letters messages older than max_age (message option, else the actor's maxAge) without running them. */
export class AgeLimit implements Middleware {
  readonly name = 'AgeLimit';

  beforeProcess(ctx: MessageContext): void {
    const maxAge = ctx.option<number | undefined>('max_age', ctx.actor.options.maxAge, undefined);
    if (maxAge === undefined) return;
    const age = Date.now() - ctx.message.message_timestamp;
    if (age > maxAge) {
      ctx.fail(`message is ${age} ms old, older than its max age of ${maxAge} ms`, 'age_limit');
      ctx.skip('age limit exceeded');
    }
  }
}
