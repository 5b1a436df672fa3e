import { AsyncLocalStorage } from 'node:async_hooks';
import type { DramatiqMessage } from '../message/message.js';
import type { MessageContext, Middleware } from './middleware.js';

const storage = new AsyncLocalStorage<MessageContext>();

/**
 * Makes the message being processed readable from anywhere inside the actor's call
 * (AsyncLocalStorage), with the run's AbortSignal.
 */
export class CurrentMessage implements Middleware {
  readonly name = 'CurrentMessage';

  /** The message of the actor run this code belongs to, or undefined outside a run. */
  static get(): DramatiqMessage | undefined {
    return storage.getStore()?.message;
  }

  /** Fires when the run hits its time limit or the worker stops waiting for it. */
  static signal(): AbortSignal | undefined {
    return storage.getStore()?.signal;
  }

  aroundProcess(ctx: MessageContext, next: () => Promise<unknown>): Promise<unknown> {
    return storage.run(ctx, next);
  }
}
