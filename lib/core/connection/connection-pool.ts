import { BrokerClosedError } from '../errors/connection.errors.js';
import { ConnectionPoolTimeoutError } from '../errors/pool.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';
import type { ConnectionSettings } from '../options/connection-settings.js';
import type { ConnectionInfo } from './connection-info.js';
import type { ChannelRole } from './connection-holder.js';
import { LeaseCounter } from './lease-counter.js';
import type { ManagedChannel } from './managed-channel.js';
import { ManagedConnection } from './managed-connection.js';
import { type LeaseOwner, PoolLease } from './pool-lease.js';

interface Slot {
  readonly connection: ManagedConnection;
  channel?: ManagedChannel;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** A slot the publish fast path can use at once: connected, with a live channel. */
function isReady(s: Slot): boolean {
  return s.connection.isConnected && s.channel !== undefined && s.channel.usable;
}

function skip(): void {}

/**
 * A bounded pool of connections, each lent out with its one channel. Connections open on
 * demand, go back to the pool after each operation and are reused; never more than `limit`
 * are open. A connection serves up to `sharing` operations at once (publishes in flight);
 * when all are full, callers wait in order, up to `acquireTimeout`.
 */
export class ConnectionPool implements LeaseOwner<Slot> {
  private readonly leases: LeaseCounter<Slot>;
  private waiters: Waiter[] = [];
  private created = 0;
  private closed = false;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly role: ChannelRole,
    readonly limit: number,
    private readonly acquireTimeout: number,
    private readonly logger: BrokerLogger,
    /** Told of a connection that gave up (its error) and of one that connected (undefined). */
    private readonly onOutcome: (failure: Error | undefined) => void = () => undefined,
    sharing = 1,
    private readonly events?: BrokerEvents,
  ) {
    this.leases = new LeaseCounter(sharing);
  }

  get size(): number {
    return this.leases.size;
  }

  get inUse(): number {
    return this.leases.busy;
  }

  async acquire(): Promise<PoolLease<Slot>> {
    if (this.closed) throw new BrokerClosedError(`a ${this.role} connection request`);
    const slot = await this.take();
    try {
      await slot.connection.ready();
    } catch (err) {
      this.giveBack(slot);
      this.destroy(slot);
      throw err;
    }
    if (!slot.channel || !slot.channel.usable) {
      void slot.channel?.close();
      slot.channel = slot.connection.createChannel(this.role, `${this.role}-${slot.connection.id}`);
    }
    return new PoolLease(this, slot, slot.channel, slot.connection);
  }

  /** A lease on a connected slot with room and a live channel, without waiting; else undefined. */
  acquireNow(): PoolLease<Slot> | undefined {
    if (this.closed) return undefined;
    // Slots that are not ready are skipped here, not dropped: the waiting path deals with them.
    const slot = this.leases.pickWithRoom(isReady, skip);
    if (!slot) return undefined;
    this.leases.take(slot);
    return new PoolLease(this, slot, slot.channel!, slot.connection);
  }

  infos(): ConnectionInfo[] {
    return this.leases.resources().map((s) => s.connection.info());
  }

  async close(): Promise<void> {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new BrokerClosedError(`a ${this.role} connection request`));
    }
    const slots = this.leases.resources();
    for (const s of slots) this.leases.delete(s);
    await Promise.all(slots.map((s) => s.connection.close()));
  }

  /** Takes a lease on a slot with room (or a new one), or waits for one. */
  private take(): Promise<Slot> {
    const usable = (s: Slot) => s.connection.state !== 'failed' && s.connection.state !== 'closed';
    const slot =
      this.leases.pickWithRoom(usable, (s) => this.destroy(s)) ??
      (this.leases.size < this.limit ? this.create() : undefined);
    if (slot) {
      this.leases.take(slot);
      return Promise.resolve(slot);
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new ConnectionPoolTimeoutError(this.role, this.limit, this.acquireTimeout));
        }, this.acquireTimeout),
      };
      this.waiters.push(waiter);
    });
  }

  private create(): Slot {
    this.created += 1;
    const connection = new ManagedConnection(
      this.settings,
      this.role,
      `${this.role}-${this.created}`,
      this.logger,
      this.events,
    );
    const slot: Slot = { connection };
    connection.on('connected', () => this.onOutcome(undefined));
    // A connection whose retries are spent leaves the pool, freeing its place.
    connection.once('failed', (err: Error) => {
      this.onOutcome(err);
      this.destroy(slot);
    });
    this.leases.add(slot);
    return slot;
  }

  private giveBack(slot: Slot): void {
    if (this.closed || !this.leases.give(slot)) return;
    this.serveWaiter(slot);
  }

  /** Hands a slot with room to the first waiter (a new connection when `slot` is gone). */
  private serveWaiter(slot: Slot | undefined): void {
    const waiter = this.waiters[0];
    if (!waiter) return;
    const target = slot && this.leases.hasRoom(slot) ? slot : this.leases.size < this.limit ? this.create() : undefined;
    if (!target) return;
    this.waiters.shift();
    clearTimeout(waiter.timer);
    this.leases.take(target);
    waiter.resolve(target);
  }

  private destroy(slot: Slot): void {
    if (!this.leases.delete(slot)) return;
    void slot.connection.close();
    this.serveWaiter(undefined);
  }

  returnLease(slot: Slot): void {
    this.giveBack(slot);
  }

  discardLease(slot: Slot, channel: ManagedChannel): void {
    if (slot.channel === channel) slot.channel = undefined; // the next lease gets a fresh channel
    // Not awaited: on a connection RabbitMQ blocks, the close-ok never comes.
    void channel.close();
    this.giveBack(slot);
  }
}
