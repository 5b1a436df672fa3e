import type { ConnectionHolder } from '../connection/connection-holder.js';
import type { QueueChannel } from '../connection/queue-channel.js';
import { withLeasedChannel } from '../connection/with-leased-channel.js';
import { BrokerError } from '../errors/broker-error.js';
import { notFoundAs } from '../errors/queue.errors.js';
import { isConnectionGone } from '../connection/connection-gone.js';
import { canonicalQueueName, deadLetterQueueName, delayQueueName } from '../topology/naming.js';
import type { QueueDeclarer } from './queue-declarer.js';
import type { Topology } from '../topology/topology.js';
import { QUEUE_OPERATION_RETRY } from '../policies/retry-policies.js';

export interface QueueMessageCounts {
  /** Ready messages in q. */
  ready: number;
  /** Ready messages in q.DQ (delayed messages a worker holds are unacked, so not counted). */
  delayed: number;
  /** Messages in q.XQ. */
  dead: number;
}

/** Counts plus the consumers of q and of q.DQ (a running worker consumes both). */
export interface QueueStats extends QueueMessageCounts {
  consumers: number;
  delayConsumers: number;
}

export interface JoinOptions {
  /** Give up after this many ms with QueueJoinTimeoutError. Default: wait forever. */
  timeout?: number;
  /** Consecutive empty checks required. Default 10. */
  minSuccesses?: number;
  /** Pause between checks, ms. Default 100. */
  idleTime?: number;
}

export class QueueJoinTimeoutError extends BrokerError {
  constructor(
    readonly queueName: string,
    timeoutMs: number,
  ) {
    super('QUEUE_JOIN_TIMEOUT', `Queue "${queueName}" did not drain within ${timeoutMs} ms.`);
  }
}

/**
 * The operator helpers of the Python original: counts, join, flush, delete. Each runs on a
 * short-lived raw channel so a server-side channel error cannot break a pooled channel.
 */
export class QueueAdmin {
  constructor(
    private readonly holder: ConnectionHolder,
    private readonly declarer: QueueDeclarer,
    private readonly topology: Topology,
  ) {}

  async getQueueMessageCounts(queueName: string): Promise<QueueMessageCounts> {
    const q = await this.prepare(queueName);
    const count = () =>
      this.withChannel(async (ch) => {
        const [main, delayed, dead] = await Promise.all(
          [q, delayQueueName(q), deadLetterQueueName(q)].map((name) => ch.messageCount(name)),
        );
        return { ready: main, delayed, dead };
      });
    try {
      return await count();
    } catch (err) {
      // 404: deleted behind our back since we declared it; declare again (empty) and count.
      if ((err as { code?: number }).code !== 404) throw err;
      this.declarer.forget(q);
      await this.prepare(q);
      return count();
    }
  }

  /** Never declares: an operator's typo must not create queues. QueueNotFoundError when one is missing. */
  async getQueueStats(queueName: string): Promise<QueueStats> {
    const q = canonicalQueueName(queueName);
    this.topology.declarationsFor(q); // validates the name
    return this.withChannel(async (ch) => {
      const check = (name: string) => ch.check(name).catch(notFoundAs(name));
      // One after the other: a 404 closes the channel, and the next check would fail obscurely.
      const main = await check(q);
      const delayed = await check(delayQueueName(q));
      const dead = await check(deadLetterQueueName(q));
      return {
        ready: main.messageCount,
        delayed: delayed.messageCount,
        dead: dead.messageCount,
        consumers: main.consumerCount,
        delayConsumers: delayed.consumerCount,
      };
    });
  }

  /** Waits until q and q.DQ have been empty for `minSuccesses` checks in a row. */
  async join(queueName: string, options: JoinOptions = {}): Promise<void> {
    const { timeout, minSuccesses = 10, idleTime = 100 } = options;
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
    let successes = 0;
    while (successes < minSuccesses) {
      if (Date.now() > deadline) throw new QueueJoinTimeoutError(canonicalQueueName(queueName), timeout!);
      const counts = await this.getQueueMessageCounts(queueName);
      successes = counts.ready === 0 && counts.delayed === 0 ? successes + 1 : 0;
      if (successes < minSuccesses) await new Promise((r) => setTimeout(r, idleTime));
    }
  }

  async flush(queueName: string): Promise<void> {
    const q = await this.prepare(queueName);
    await this.withChannel(async (ch) => {
      for (const name of [q, delayQueueName(q), deadLetterQueueName(q)]) await ch.purgeQueue(name);
    });
  }

  async flushMany(queues: readonly string[]): Promise<void> {
    for (const q of queues) await this.flush(q);
  }

  async deleteQueue(queueName: string, options: { ifUnused?: boolean; ifEmpty?: boolean } = {}): Promise<void> {
    const q = canonicalQueueName(queueName);
    this.topology.declarationsFor(q); // validates the name
    await this.withChannel(async (ch) => {
      for (const name of [q, delayQueueName(q), deadLetterQueueName(q)]) await ch.deleteQueue(name, options);
    });
    this.declarer.forget(q);
  }

  async deleteMany(queues: readonly string[]): Promise<void> {
    for (const q of queues) await this.deleteQueue(q);
  }

  private async prepare(queueName: string): Promise<string> {
    const q = canonicalQueueName(queueName);
    await retryOnConnectionLoss(() => this.declarer.ensure(q));
    return q;
  }

  /** Runs `work` on a fresh channel, again if the connection drops under it. */
  private withChannel<T>(work: (channel: QueueChannel) => Promise<T>): Promise<T> {
    return retryOnConnectionLoss(() => this.onChannel(work));
  }

  private onChannel<T>(work: (channel: QueueChannel) => Promise<T>): Promise<T> {
    return withLeasedChannel(this.holder, (lease) => lease.openQueueChannel(), work);
  }
}

/** QUEUE_OPERATION_RETRY: a few attempts, a growing pause apart, for operations cut short by a lost connection. */
async function retryOnConnectionLoss<T>(operation: () => Promise<T>): Promise<T> {
  const { attempts, pauseStep } = QUEUE_OPERATION_RETRY;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= attempts || !isConnectionGone(err)) throw err;
      await new Promise((r) => setTimeout(r, pauseStep * attempt));
    }
  }
}
