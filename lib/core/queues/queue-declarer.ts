import type { ConnectionHolder } from '../connection/connection-holder.js';
import type { QueueChannel } from '../connection/queue-channel.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import { canonicalQueueName } from '../topology/naming.js';
import { isInequivalentArgError } from '../topology/errors.js';
import { matchingOptionHint } from '../topology/existing-layout.js';
import type { Topology } from '../topology/topology.js';
import { Semaphore } from '../util/semaphore.js';
import { DeclarationChannels } from './declaration-channels.js';

/**
 * Declarations in progress at once, each on a channel of its own: 10,000 sends to 1,000 new
 * queues would otherwise open 1,000 channels together (RabbitMQ allows 2,047 per connection).
 * RabbitMQ 3.10 creates durable queues one after another anyway: on a 2-core machine, 600 queues
 * (q, q.DQ, q.XQ each) took 8.7 s declared one at a time, 2.5 s 8 at a time, 1.8 s 32 at a time.
 */
export const DECLARATIONS_AT_ONCE = 32;

/**
 * Declares a queue's three queues once (lazily, at first publish or consume) and caches
 * that. Works on raw channels of its own (kept open through a burst of declarations): a failed
 * declaration closes its channel, and we must not break a pooled channel with it. A 406 "inequivalent arg" means the queue exists
 * with other arguments: it keeps working, so we warn and go on.
 */
export class QueueDeclarer {
  private readonly declared = new Map<string, Promise<void>>();
  private readonly done = new Set<string>();
  private readonly slots = new Semaphore(DECLARATIONS_AT_ONCE);
  private readonly channels = new DeclarationChannels(DECLARATIONS_AT_ONCE);

  constructor(
    private readonly holder: ConnectionHolder,
    private readonly topology: Topology,
    private readonly logger: BrokerLogger,
  ) {}

  /** True once the queue's declaration succeeded (lets the publish path skip an await). */
  isDeclared(queueName: string): boolean {
    return this.done.has(canonicalQueueName(queueName));
  }

  ensure(queueName: string): Promise<void> {
    const q = canonicalQueueName(queueName);
    let pending = this.declared.get(q);
    if (!pending) {
      pending = this.declare(q).then(() => void this.done.add(q));
      this.declared.set(q, pending);
      // A failure is not cached: the next use tries again.
      pending.catch(() => this.declared.delete(q));
    }
    return pending;
  }

  /** Forgets a queue, so the next ensure() declares it again (after it was deleted, say). */
  forget(queueName: string): void {
    this.declared.delete(canonicalQueueName(queueName));
    this.done.delete(canonicalQueueName(queueName));
  }

  /** Queues declared (or being declared) by this process. */
  queues(): string[] {
    return [...this.declared.keys()];
  }

  forgetAll(): void {
    this.declared.clear();
    this.done.clear();
    void this.channels.closeAll();
  }

  private async declare(q: string): Promise<void> {
    const slot = this.slots.tryAcquire(); // never false: the wait is not bounded in length
    if (slot !== true) await slot;
    try {
      await this.declareNow(q);
    } finally {
      this.slots.release();
    }
  }

  private async declareNow(q: string): Promise<void> {
    const lease = await this.holder.acquireForQueues();
    let channel: QueueChannel | undefined = this.channels.take();
    try {
      for (const declaration of this.topology.declarationsFor(q)) {
        if (!channel?.isOpen) channel = await lease.openQueueChannel();
        try {
          await channel.assertQueue(declaration.name, declaration.options);
        } catch (err) {
          if (!isInequivalentArgError(err)) throw err;
          const serverMessage = (err as Error).message;
          const hint = matchingOptionHint(serverMessage);
          this.logger.warn(
            `Queue "${declaration.name}" already exists with other arguments (${serverMessage}). It is used ` +
              `as it is. ${hint ? `${hint} Otherwise, delete` : 'Delete'} or migrate it to apply the configured ` +
              'topology (see docs/topologies.md).',
          );
        }
      }
    } finally {
      lease.release();
      if (channel) await this.channels.give(channel);
    }
  }
}
