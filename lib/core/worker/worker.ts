import { ConsumerCapacityError } from '../errors/pool.errors.js';
import { canonicalQueueName, delayQueueName } from '../topology/naming.js';
import { QueueConsumer, type ConsumerStats } from './queue-consumer.js';
import type { WorkerHost } from './worker-host.js';
import { resolveWorkerSettings, type WorkerOptions, type WorkerSettings } from './worker-options.js';

/**
 * Consumes a set of queues (each q with its q.DQ) and runs their actors. start() and
 * stop() may be called once each; stop() is graceful (see WorkerOptions.shutdownTimeout).
 */
export class Worker {
  readonly settings: WorkerSettings;
  private consumers: QueueConsumer[] = [];
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(
    private readonly host: WorkerHost,
    private readonly queueNames: readonly string[],
    options: WorkerOptions = {},
  ) {
    this.settings = resolveWorkerSettings(options);
  }

  /** The queues this worker consumes (each with its delay queue). */
  get queues(): string[] {
    return [...new Set(this.queueNames.map(canonicalQueueName))];
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    const names = this.queues;
    // Checked before anything opens: a worker too big for the limits fails at once, naming them.
    const needed = names.length * 2;
    const room = this.host.consumerRoom();
    if (needed > room.available) throw new ConsumerCapacityError(room.strategy, needed, room.available, room.limits);
    this.state = 'running';
    this.consumers = names.flatMap((q) => [
      new QueueConsumer(q, this.host, this.settings),
      new QueueConsumer(delayQueueName(q), this.host, this.settings),
    ]);
    try {
      this.host.workerRunning?.(true, names.length);
      await Promise.all(this.consumers.map((c) => c.start()));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    const started = Date.now();
    try {
      await Promise.all(this.consumers.map((c) => c.stop(this.settings.shutdownTimeout)));
    } finally {
      // After the drain: actors finishing during it may still publish, and their acks still flow.
      if (wasRunning) this.host.workerRunning?.(false, this.queues.length);
    }
    this.host.logger.log(`Worker stopped in ${Date.now() - started} ms (queues: ${this.queues.join(', ')}).`);
  }

  /** Counts per consumed queue. */
  stats(): Record<string, ConsumerStats & { inFlight: number }> {
    return Object.fromEntries(this.consumers.map((c) => [c.queueName, { ...c.stats, inFlight: c.inFlight }]));
  }
}
