import type { QueueStats } from '../core/queues/queue-admin.js';

export interface QueueRates {
  /** Change per second since the previous look, for ready, delayed and dead (negative: draining). */
  ready: number;
  delayed: number;
  dead: number;
}

/**
 * Rates from successive counts: RabbitMQ's AMQP interface gives counts, not rates (those need
 * the management plugin). The first look at a queue has rates of 0. One sample per queue.
 */
export class QueueRateTracker {
  private readonly last = new Map<string, { at: number; stats: QueueStats }>();

  observe(queue: string, stats: QueueStats, now = Date.now()): QueueRates {
    const previous = this.last.get(queue);
    this.last.set(queue, { at: now, stats });
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    if (!previous || seconds <= 0) return { ready: 0, delayed: 0, dead: 0 };
    const rate = (key: 'ready' | 'delayed' | 'dead') => round((stats[key] - previous.stats[key]) / seconds);
    return { ready: rate('ready'), delayed: rate('delayed'), dead: rate('dead') };
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
