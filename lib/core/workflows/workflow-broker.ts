import type { DramatiqMessage } from '../message/message.js';
import type { Middleware } from '../middleware/middleware.js';
import type { GetResultOptions, TypedMessageRef } from '../results/get-result.js';

/** What pipelines and groups need of a broker (DramatiqBroker has it all). */
export interface WorkflowBroker {
  readonly middleware: readonly Middleware[];
  enqueue(message: DramatiqMessage, options?: { delay?: number }): Promise<DramatiqMessage>;
  getResult<R>(message: TypedMessageRef<R>, options?: GetResultOptions): Promise<R>;
}

/** Options of run() on a pipeline or a group. */
export interface RunOptions {
  /** Delay before the first message (of a pipeline) or every member (of a group) runs, in ms. */
  delay?: number;
}
