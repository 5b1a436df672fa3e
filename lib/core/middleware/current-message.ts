import { AsyncLocalStorage } from 'node:async_hooks';
import { BrokerError } from '../errors/broker-error.js';
import type { DramatiqMessage } from '../message/message.js';
import type { MessageContext, Middleware } from './middleware.js';

const storage = new AsyncLocalStorage<MessageContext>();
/** Set once a CurrentMessage middleware exists in this process. */
let installed = false;

export class CurrentMessageNotInstalledError extends BrokerError {
  constructor(call: string) {
    super(
      'CURRENT_MESSAGE_NOT_INSTALLED',
      `CurrentMessage.${call}() needs the CurrentMessage middleware, which is not in the default stack: ` +
        'configure middleware: [...defaultMiddleware(), new CurrentMessage()] (see docs/actors.md#currentmessage).',
    );
  }
}

/**
 * Makes the message being processed readable from anywhere inside the actor's call
 * (AsyncLocalStorage), with the run's AbortSignal.
 *
 * Opt-in, as in Dramatiq: once an AsyncLocalStorage has run, Node calls a promise hook for
 * every promise of the whole process (worker, HTTP handlers, everything), which measured
 * ~15 us per message end to end (docs/performance.md).
 */
export class CurrentMessage implements Middleware {
  readonly name = 'CurrentMessage';

  constructor() {
    installed = true;
  }

  /** The message of the actor run this code belongs to, or undefined outside a run. */
  static get(): DramatiqMessage | undefined {
    if (!installed) throw new CurrentMessageNotInstalledError('get');
    return storage.getStore()?.message;
  }

  /** Fires when the run hits its time limit or the worker stops waiting for it. */
  static signal(): AbortSignal | undefined {
    if (!installed) throw new CurrentMessageNotInstalledError('signal');
    return storage.getStore()?.signal;
  }

  aroundProcess(ctx: MessageContext, next: () => Promise<unknown>): Promise<unknown> {
    return storage.run(ctx, next);
  }
}
