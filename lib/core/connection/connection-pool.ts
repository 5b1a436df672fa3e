import type { ChannelWrapper } from 'amqp-connection-manager';
import { BrokerClosedError } from '../errors/connection.errors.js';
import { ConnectionPoolTimeoutError } from '../errors/pool.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { ConnectionSettings } from '../options/connection-settings.js';
import type { ConnectionInfo } from './connection-info.js';
import type { ChannelLease, ChannelRole } from './connection-holder.js';
import { ManagedConnection } from './managed-connection.js';

interface Slot {
  readonly connection: ManagedConnection;
  channel?: ChannelWrapper;
}

interface Waiter {
  resolve(slot: Slot): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A bounded pool of connections, each lent out with its one channel. Connections open on
 * demand, go back to the pool after each operation and are reused; never more than `limit`
 * are open. When all are busy, callers wait in order, up to `acquireTimeout`.
 */
export class ConnectionPool {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
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
  ) {}

  get size(): number {
    return this.all.size;
  }

  get inUse(): number {
    return this.all.size - this.idle.length;
  }

  async acquire(): Promise<ChannelLease> {
    if (this.closed) throw new BrokerClosedError(`a ${this.role} connection request`);
    const slot = await this.take();
    try {
      await slot.connection.ready();
    } catch (err) {
      this.destroy(slot);
      throw err;
    }
    slot.channel ??= slot.connection.createChannel({ name: `${this.role}-${slot.connection.id}` });
    return this.lease(slot);
  }

  infos(): ConnectionInfo[] {
    return [...this.all].map((s) => s.connection.info());
  }

  async close(): Promise<void> {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new BrokerClosedError(`a ${this.role} connection request`));
    }
    const slots = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(slots.map((s) => s.connection.close()));
  }

  private take(): Promise<Slot> {
    while (this.idle.length > 0) {
      const slot = this.idle.pop()!;
      if (slot.connection.state !== 'failed' && slot.connection.state !== 'closed') return Promise.resolve(slot);
      this.destroy(slot);
    }
    if (this.all.size < this.limit) return Promise.resolve(this.create());
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
    const connection = new ManagedConnection(this.settings, this.role, `${this.role}-${this.created}`, this.logger);
    const slot: Slot = { connection };
    // A connection whose retries are spent leaves the pool, freeing its place.
    connection.on('connected', () => this.onOutcome(undefined));
    connection.once('failed', (err: Error) => {
      this.onOutcome(err);
      this.destroy(slot);
    });
    this.all.add(slot);
    return slot;
  }

  private giveBack(slot: Slot): void {
    if (this.closed || !this.all.has(slot)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(slot);
    } else {
      this.idle.push(slot);
    }
  }

  private destroy(slot: Slot): void {
    if (!this.all.delete(slot)) return;
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    void slot.connection.close();
    // A freed place goes to the first waiter, on a new connection.
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.create());
    }
  }

  private lease(slot: Slot): ChannelLease {
    let returned = false;
    return {
      channel: slot.channel!,
      connection: slot.connection,
      release: () => {
        if (returned) return;
        returned = true;
        this.giveBack(slot);
      },
      discard: async () => {
        if (returned) return;
        returned = true;
        const channel = slot.channel;
        slot.channel = undefined; // the next lease of this connection gets a fresh channel
        // Not awaited: on a connection RabbitMQ blocks, the close-ok never comes.
        void channel?.close().catch(() => undefined);
        this.giveBack(slot);
      },
    };
  }
}
