import type { BrokerLogger } from '../logging/broker-logger.js';
import type { DramatiqMessage } from '../message/message.js';
import type { Outcome } from './message-processor.js';

/** Messages whose count is kept at once, per consumer; beyond it the least recently failed is forgotten. */
export const MAX_TRACKED_MESSAGES = 10_000;

interface Count {
  failures: number;
  /** The message's `retries` option, as text: a retry copy keeps the message_id but starts a new count. */
  readonly retries: string;
}

/**
 * Bounds how often one message goes back to the queue because a middleware hook threw: after
 * `limit` such failures it is dead-lettered with the hook's error, instead of looping (about once
 * a second) for good. Logs one warning at a message's first failure, none for the later ones.
 *
 * The count is kept here, in memory, by message_id. RabbitMQ counts redeliveries only on quorum
 * queues (x-delivery-count): a classic queue hands a requeued message back unchanged. Publishing a
 * copy with a counter in its options instead would cost a publish and its confirm per failure,
 * change the message (options, place in the queue), and fail in the very case where publishing is
 * what broke (Retries could not enqueue the retry). This costs nothing on the normal path. Its
 * limits: the count is per worker (another worker that gets the message counts from zero), it
 * starts over when the worker restarts, and it holds at most `maxTracked` messages. A message
 * leaves the count once it is acked or dead-lettered here.
 */
export class MiddlewareFailures {
  /** In order of last failure (a Map keeps insertion order): the first is the least recent. */
  private readonly counts = new Map<string, Count>();

  constructor(
    readonly limit: number,
    private readonly logger: BrokerLogger,
    private readonly queueName: string,
    private readonly maxTracked = MAX_TRACKED_MESSAGES,
  ) {}

  /** Messages with a count. */
  get size(): number {
    return this.counts.size;
  }

  /**
   * What to do with `message` after the processor's `outcome`. A requeue for a hook failure is
   * counted: returned as it is under the limit, turned into a dead-letter with the hook's error
   * at the limit. An ack or a dead-letter drops the message's count. Any other requeue (a run
   * abandoned by shutdown, say) leaves the count as it is.
   */
  decide(message: DramatiqMessage, outcome: Outcome): Outcome {
    const id = message.message_id;
    if (outcome.kind !== 'requeue') {
      this.counts.delete(id);
      return outcome;
    }
    const failure = outcome.hookFailure;
    if (failure === undefined) return outcome;
    const retries = String(message.options.retries ?? 0);
    let count = this.counts.get(id);
    if (count === undefined || count.retries !== retries) count = { failures: 0, retries };
    // Deleted and set again below: it moves to the end, as the most recently failed.
    this.counts.delete(id);
    count.failures += 1;
    const { middleware, hook, error } = failure;
    if (count.failures >= this.limit) {
      return {
        kind: 'dead-letter',
        reason: `middleware ${middleware}.${hook} failed ${times(count.failures)} (worker.maxMiddlewareFailures): ${error}`,
        cause: { reason: 'middleware_failure', error: failure.cause ?? error },
      };
    }
    this.counts.set(id, count);
    if (this.counts.size > this.maxTracked) this.counts.delete(this.counts.keys().next().value as string);
    if (count.failures === 1) {
      this.logger.warn(
        `Middleware ${middleware}.${hook} failed on ${id} (${message.actor_name}) from "${this.queueName}": ${error}. ` +
          `The message goes back to the queue; it is tried up to ${times(this.limit)} in all, then dead-lettered ` +
          `(worker.maxMiddlewareFailures). Its next failures are not logged.`,
      );
    }
    return outcome;
  }
}

function times(n: number): string {
  return n === 1 ? '1 time' : `${n} times`;
}
