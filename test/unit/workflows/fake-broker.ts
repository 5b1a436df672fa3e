/** A WorkflowBroker that records what would be sent, with results in memory. */
import type { DramatiqMessage } from '../../../lib/core/message/message.js';
import type { Middleware } from '../../../lib/core/middleware/middleware.js';
import { MemoryResultBackend } from '../../../lib/core/results/backends/memory-backend.js';
import { getResult, type GetResultOptions, type TypedMessageRef } from '../../../lib/core/results/get-result.js';
import type { WorkflowBroker } from '../../../lib/core/workflows/workflow-broker.js';

export class FakeBroker implements WorkflowBroker {
  readonly sent: Array<{ message: DramatiqMessage; delay: number | undefined }> = [];
  readonly results = new MemoryResultBackend();

  constructor(readonly middleware: Middleware[] = []) {}

  async enqueue(message: DramatiqMessage, options: { delay?: number } = {}): Promise<DramatiqMessage> {
    this.sent.push({ message, delay: options.delay });
    return message;
  }

  getResult<R>(message: TypedMessageRef<R>, options?: GetResultOptions): Promise<R> {
    return getResult(this.results, message, options);
  }

  /** Stores `value` as the result of `message`, as a worker would. */
  async complete(message: TypedMessageRef<unknown>, value: unknown): Promise<void> {
    await this.results.store(this.results.keyFor(message), JSON.stringify(value), 60_000);
  }
}
