import type { FetchedMessage } from '../connection/operator-channel.js';
import { encodeMessage, messageProperties } from '../message/message-codec.js';
import { canonicalQueueName, deadLetterQueueName } from '../topology/naming.js';
import { notFoundAs } from '../errors/queue.errors.js';
import { requeuedMessage } from './dead-letter-copy.js';
import { type DeadLetter, toDeadLetter } from './dead-letter-entry.js';
import { InvalidDeadLetterRequestError } from './dead-letter.errors.js';
import { scanQueue } from './dead-letter-scan.js';
import { type OperatorChannelSource, publishConfirmed, withOperatorChannel } from './operator-access.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Requeued messages whose confirms are awaited together before their dead letters are acked. */
const REQUEUE_BATCH = 100;

export interface DeadLetterPage {
  queueName: string;
  items: DeadLetter[];
  offset: number;
  /** Offset of the next page, or null when this page reached the end. */
  nextOffset: number | null;
  /** Messages in q.XQ when the page was read. */
  total: number;
}

/** Which dead letters to requeue: some by message id, or all of them. */
export type RequeueSelection = { messageIds: readonly string[] } | { all: true };

export interface RequeueOptions {
  /** Drop retries, traceback and requeue_timestamp, so the message gets its full retries again. Default false. */
  resetRetries?: boolean;
}

export interface RequeueResult {
  /** Dead letters published to the queue (confirmed) and then removed from q.XQ. */
  requeued: number;
  /** Selected ids not found in q.XQ. */
  notFound: string[];
  /** Selected dead letters left in q.XQ because their body is not a Dramatiq message. */
  undecodable: number;
  /** Selected dead letters left in q.XQ because their publish failed (the first error in `error`). */
  failed: number;
  error?: string;
}

/** What the dead-letter API needs of the broker. */
export interface DeadLetterHost extends OperatorChannelSource {
  readonly maxMessageBytes: number;
}

/**
 * The dead letters of a queue (q.XQ): list, fetch, requeue, purge, export. Reads never take a
 * message away (see scanQueue); a requeue publishes the message to q, waits for RabbitMQ's
 * confirm and only then acks its dead letter: at least once, never lost (a process that dies
 * between the two leaves it in both queues). Queues are never declared here (a typo must not
 * create one): a missing one rejects with QueueNotFoundError. Operations on one queue run one at a time in this
 * process; a reader in another process hides the messages it holds until it is done.
 */
export class DeadLetters {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly host: DeadLetterHost) {}

  /** A page of dead letters, from `offset` (default 0), at most `limit` (default 50, max 500). */
  async list(queueName: string, page: { offset?: number; limit?: number } = {}): Promise<DeadLetterPage> {
    const offset = page.offset ?? 0;
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new InvalidDeadLetterRequestError(`offset must be an integer >= 0, got ${offset}`);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new InvalidDeadLetterRequestError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
    }
    return this.exclusive(queueName, async (q, xq) => {
      const items: DeadLetter[] = [];
      const { snapshot } = await this.read(xq, (msg, position) => {
        if (position >= offset) items.push(this.entry(msg, position));
        return position + 1 < offset + limit;
      });
      const end = offset + items.length;
      return {
        queueName: q,
        items,
        offset,
        nextOffset: end < snapshot && items.length === limit ? end : null,
        total: snapshot,
      };
    });
  }

  /** The first dead letter with this message id, or undefined. */
  get(queueName: string, messageId: string): Promise<DeadLetter | undefined> {
    return this.exclusive(queueName, async (_q, xq) => {
      let found: DeadLetter | undefined;
      await this.read(xq, (msg, position) => {
        const entry = this.entry(msg, position);
        if (entry.messageId === messageId) found = entry;
        return found === undefined;
      });
      return found;
    });
  }

  /** Visits every dead letter in order, one at a time (awaiting `write`: a slow sink slows the walk). */
  export(queueName: string, write: (entry: DeadLetter) => void | Promise<void>): Promise<number> {
    return this.exclusive(queueName, async (_q, xq) => {
      const { visited } = await this.read(xq, async (msg, position) => {
        await write(this.entry(msg, position));
        return true;
      });
      return visited;
    });
  }

  /**
   * Publishes the selected dead letters back to their queue (confirmed) and then removes them
   * from q.XQ; every copy of a selected id is requeued. Undecodable ones stay (they would only
   * fail again). The others keep their order.
   */
  async requeue(queueName: string, selection: RequeueSelection, options: RequeueOptions = {}): Promise<RequeueResult> {
    const all = 'all' in selection && selection.all === true;
    const ids = new Set('messageIds' in selection ? selection.messageIds : []);
    if (!all && ids.size === 0) throw new InvalidDeadLetterRequestError('nothing selected: give message ids, or all');
    return this.exclusive(queueName, async (q, xq) => {
      const result: RequeueResult = { requeued: 0, notFound: [], undecodable: 0, failed: 0 };
      await withOperatorChannel(this.host, (channel) => channel.check(q).catch(notFoundAs(q)));
      const seen = new Set<string>();
      await withOperatorChannel(this.host, async (channel) => {
        let batch: { delivery: FetchedMessage; published: Promise<void> }[] = [];
        const settle = async () => {
          const outcomes = await Promise.allSettled(batch.map((b) => b.published));
          outcomes.forEach((outcome, i) => {
            if (outcome.status === 'fulfilled') {
              // Confirmed in q: only now does the dead letter go.
              channel.ack(batch[i].delivery);
              result.requeued += 1;
            } else {
              result.failed += 1;
              result.error ??= (outcome.reason as Error).message;
            }
          });
          batch = [];
        };
        await scanQueue(channel, xq, async (delivery, position) => {
          const entry = this.entry(delivery, position);
          const id = entry.messageId ?? '';
          if (!all && !ids.has(id)) return true;
          seen.add(id);
          if (entry.message === null) {
            result.undecodable += 1;
            return true;
          }
          const message = requeuedMessage(entry.message, q, options.resetRetries ?? false);
          const published = publishConfirmed(channel, q, encodeMessage(message), {
            ...messageProperties(message),
            messageId: message.message_id,
          });
          published.catch(() => undefined); // observed in settle()
          batch.push({ delivery, published });
          if (batch.length >= REQUEUE_BATCH) await settle();
          return true;
        });
        await settle();
        // Acks go out before the channel closes (amqplib writes them in order, ahead of the close).
      });
      result.notFound = [...ids].filter((id) => !seen.has(id));
      return result;
    });
  }

  /** Removes every dead letter of the queue; resolves with how many there were. */
  purge(queueName: string): Promise<number> {
    return this.exclusive(queueName, (_q, xq) => withOperatorChannel(this.host, (channel) => channel.purge(xq)));
  }

  private read(xq: string, visit: (msg: FetchedMessage, position: number) => boolean | Promise<boolean>) {
    return withOperatorChannel(this.host, (channel) => scanQueue(channel, xq, visit));
  }

  private entry(msg: FetchedMessage, position: number): DeadLetter {
    return toDeadLetter(msg, position, this.host.maxMessageBytes);
  }

  /** One operation per queue at a time in this process: two walks would hide messages from each other. */
  private exclusive<T>(queueName: string, work: (q: string, xq: string) => Promise<T>): Promise<T> {
    const q = canonicalQueueName(queueName);
    const previous = this.running.get(q) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      // Nothing is declared: a missing q.XQ is QueueNotFoundError, not a new empty queue.
      .then(() => work(q, deadLetterQueueName(q)));
    const tail = next.catch(() => undefined);
    this.running.set(q, tail);
    void tail.then(() => {
      if (this.running.get(q) === tail) this.running.delete(q);
    });
    return next;
  }
}
