import { Inject, Injectable } from '@nestjs/common';
import { DramatiqBroker } from '../core/broker.js';
import type { DeadLetterPage, RequeueResult } from '../core/dead-letters/index.js';
import type { DeadLetter } from '../core/dead-letters/dead-letter-entry.js';
import { QueueNotFoundError } from '../core/errors/queue.errors.js';
import { canonicalQueueName } from '../core/topology/naming.js';
import { DASHBOARD_OPTIONS, type DashboardSettings } from './dashboard-options.js';
import { QueueRateTracker, type QueueRates } from './queue-rates.js';

export interface QueueOverview {
  name: string;
  ready: number;
  delayed: number;
  dead: number;
  consumers: number;
  delayConsumers: number;
  rates: QueueRates;
  /** Set when the queue could not be read (missing on the server, say). */
  error?: string;
}

export interface DashboardOverview {
  health: { status: string; strategy: string; reason?: string };
  /** This application's connections: names, roles, states and redacted addresses only. */
  connections: { name: string; role: string; state: string; address?: string; channels: number }[];
  queues: QueueOverview[];
}

/** What the dashboard shows and does, on top of the broker; no HTTP in here. */
@Injectable()
export class DashboardService {
  private readonly rates = new QueueRateTracker();

  constructor(
    private readonly broker: DramatiqBroker,
    @Inject(DASHBOARD_OPTIONS) private readonly settings: DashboardSettings,
  ) {}

  /** The queues shown: this application's and the configured ones. Others are not reachable through the dashboard. */
  queueNames(): string[] {
    return [...new Set([...this.broker.queueNames(), ...this.settings.queues.map(canonicalQueueName)])].sort();
  }

  async overview(): Promise<DashboardOverview> {
    const health = this.broker.health();
    const queues = await Promise.all(this.queueNames().map((name) => this.queue(name)));
    return {
      health: { status: health.status, strategy: health.strategy, ...(health.reason ? { reason: health.reason } : {}) },
      connections: this.broker
        .connections()
        .map((c) => ({ name: c.name, role: c.role, state: c.state, address: c.address, channels: c.channels })),
      queues,
    };
  }

  deadLetters(queue: string, offset: number, limit: number): Promise<DeadLetterPage> {
    return this.broker.deadLetters.list(this.known(queue), { offset, limit });
  }

  async deadLetter(queue: string, messageId: string): Promise<DeadLetter | undefined> {
    return this.broker.deadLetters.get(this.known(queue), messageId);
  }

  requeue(queue: string, selection: { ids?: string[]; all?: boolean }, resetRetries: boolean): Promise<RequeueResult> {
    const q = this.known(queue);
    return selection.all === true
      ? this.broker.deadLetters.requeue(q, { all: true }, { resetRetries })
      : this.broker.deadLetters.requeue(q, { messageIds: selection.ids ?? [] }, { resetRetries });
  }

  purge(queue: string): Promise<number> {
    return this.broker.deadLetters.purge(this.known(queue));
  }

  private async queue(name: string): Promise<QueueOverview> {
    try {
      const stats = await this.broker.getQueueStats(name);
      return { name, ...stats, rates: this.rates.observe(name, stats) };
    } catch (err) {
      return {
        name,
        ready: 0,
        delayed: 0,
        dead: 0,
        consumers: 0,
        delayConsumers: 0,
        rates: { ready: 0, delayed: 0, dead: 0 },
        error: err instanceof Error ? err.message : String(err),
      };
    }
  }

  private known(queue: string): string {
    const q = canonicalQueueName(queue);
    if (!this.queueNames().includes(q)) throw new QueueNotFoundError(q);
    return q;
  }
}
