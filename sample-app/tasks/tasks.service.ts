import { Injectable, Logger } from '@nestjs/common';
import { Actor, CurrentMessage } from 'nestjs-dramatiq-broker';

/** Waits `ms`, or rejects early when the run is abandoned (time limit hit, worker stopping). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The sample's actors. None names a queue, so all of them listen on the module's
 * defaultQueueName (QUEUE_NAME). Actor names are snake_case so that a Python Dramatiq
 * process could send to them (or run them) under the same names.
 */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  /** A plain task. `locale` has a default: a Python sender may pass it as a keyword argument. */
  @Actor({ actorName: 'send_welcome' })
  async sendWelcome(userId: number, locale = 'en'): Promise<void> {
    await sleep(50, CurrentMessage.signal());
    this.logger.log(`Welcome email sent to user ${userId} (locale "${locale}")`);
  }

  /** Sent with a delay by POST /tasks/report: it sits in the delay queue until it is due. */
  @Actor({ actorName: 'generate_report' })
  async generateReport(reportId: string): Promise<void> {
    const sentAt = CurrentMessage.get()?.message_timestamp ?? Date.now();
    await sleep(100, CurrentMessage.signal());
    this.logger.log(`Report "${reportId}" generated, ${Date.now() - sentAt} ms after it was requested`);
  }

  /** Fails on its first `failTimes` attempts, then succeeds: the retries (with backoff) show in the log. */
  @Actor({ actorName: 'sync_inventory', maxRetries: 5 })
  async syncInventory(sku: string, failTimes = 2): Promise<void> {
    const retries = Number(CurrentMessage.get()?.options.retries ?? 0);
    if (retries < failTimes) {
      throw new Error(
        `inventory service unavailable for "${sku}" (attempt ${retries + 1}; this task succeeds on attempt ${failTimes + 1})`,
      );
    }
    this.logger.log(`Inventory of "${sku}" synced on attempt ${retries + 1}`);
  }

  /** Always fails: after 2 retries the message goes to the dead-letter queue (QUEUE_NAME.XQ). */
  @Actor({ actorName: 'charge_card', maxRetries: 2 })
  async chargeCard(orderId: string): Promise<void> {
    throw new Error(`payment gateway declined order "${orderId}"`);
  }

  /**
   * May run 1 s at most. Asked to work longer, it fails with TimeLimitExceededError, is
   * retried once, and then dead-lettered. It stops cooperatively when the limit aborts it.
   */
  @Actor({ actorName: 'export_data', timeLimit: 1_000, maxRetries: 1 })
  async exportData(workMs: number): Promise<void> {
    await sleep(workMs, CurrentMessage.signal());
    this.logger.log(`Export finished after ${workMs} ms of work`);
  }

  /** Stores its result (storeResults): GET /tasks/add/:id/result reads it, so can Python's get_result. */
  @Actor({ actorName: 'add', storeResults: true })
  async add(a: number, b: number): Promise<{ sum: number }> {
    await sleep(20, CurrentMessage.signal());
    return { sum: a + b };
  }
}
