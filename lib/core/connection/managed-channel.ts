import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { BrokerLogger } from '../logging/broker-logger.js';

/** What a channel needs of the connection it lives on. */
export interface ChannelHost {
  readonly id: string;
  readonly isConnected: boolean;
  readonly logger: BrokerLogger;
  /** Removes secrets from a server or socket message before it is logged. */
  scrub(text: string): string;
  /** This channel's amqplib channel closed while the connection stayed up: it never comes back. */
  channelDied(channel: ManagedChannel): void;
  /** 'failed': retries spent; 'channelDead': a channel died (see channelDied). */
  on(event: 'failed' | 'channelDead', listener: (arg: unknown) => void): unknown;
  off(event: 'failed' | 'channelDead', listener: (arg: unknown) => void): unknown;
}

/** How long after a channel's close the connection must still be up for the channel to count as dead. */
const DEAD_CHANNEL_CHECK_MS = 100;

/**
 * True while amqplib is closing the channel or its connection (it has sent the close and waits for
 * the close-ok): amqplib then replaces their send methods with ones that throw (amqplib 2.x), so
 * nothing may be written, though the channel is not closed yet.
 */
function refusesSends(raw: ConfirmChannel): boolean {
  const connection = (raw as { connection?: object }).connection;
  return Object.hasOwn(raw, 'sendMessage') || (connection !== undefined && Object.hasOwn(connection, 'sendMessage'));
}

/**
 * One channel of a ManagedConnection: amqp-connection-manager's wrapper, which opens a new
 * amqplib channel after every reconnect, plus what we track of the amqplib channel under it
 * (open or not, why the server closed it, whether it died for good). The subclasses add what
 * producers and consumers do with it; no amqplib object leaves this layer.
 */
export class ManagedChannel {
  /** The open amqplib channel, undefined before the first open and between a close and the reconnect. */
  protected raw: ConfirmChannel | undefined;
  private dead = false;
  private closed = false;
  private closeReason: Error | undefined;
  private openWaiters: Array<{ resolve(): void; reject(err: Error): void }> = [];

  constructor(
    /** The wrapper: public as the escape hatch of broker.acquire(); internal code uses the subclasses. */
    readonly wrapper: ChannelWrapper,
    protected readonly host: ChannelHost,
    readonly name: string,
  ) {
    // Runs on every amqplib channel the wrapper opens (after each reconnect).
    void wrapper.addSetup((raw: ConfirmChannel) => this.attach(raw));
    // A setup failure is reported here rather than crashing the process as an unhandled 'error' event.
    wrapper.on('error', (err: Error) =>
      host.logger.warn(`Channel ${name} on connection ${host.id}: ${host.scrub(err.message)}`),
    );
  }

  /** False for a channel that closed on its own while its connection stayed up (it would never come back). */
  get usable(): boolean {
    return !this.dead;
  }

  /** True once close() was called: the channel never opens again. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  /** True when a write can go out now: the amqplib channel is open, and not closing, on a connected connection. */
  get isOpen(): boolean {
    const raw = this.raw;
    return raw !== undefined && this.host.isConnected && !this.closed && !refusesSends(raw);
  }

  /** The server's reason when it closed this channel (a channel error, not a lost connection). */
  get serverCloseReason(): Error | undefined {
    return this.closeReason;
  }

  /**
   * Resolves once an amqplib channel is open under the wrapper (now, or after the reconnect);
   * rejects when the channel is closed or died, as it will not open again. Not bounded in time:
   * callers bound it themselves.
   */
  whenOpen(): Promise<void> {
    // Closed first: a channel being closed may still look open until its close-ok arrives.
    if (this.closed || this.dead) return Promise.reject(new Error(`channel ${this.name} closed`));
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => this.openWaiters.push({ resolve, reject }));
  }

  close(): Promise<void> {
    this.closed = true;
    this.failWaiters();
    return this.wrapper.close().catch(() => undefined);
  }

  /** Called for each new amqplib channel; subclasses add their listeners, then call this. */
  protected attach(raw: ConfirmChannel): void {
    if (this.closed) {
      // Closed while amqp-connection-manager was still opening it: the wrapper's close() found no
      // channel to close, and the one it then opened would stay open on the server for good.
      raw.close().catch(() => undefined);
      return;
    }
    this.dead = false;
    this.closeReason = undefined;
    this.raw = raw;
    // amqp-connection-manager leaves the raw channel's 'error' unhandled, and amqplib then
    // closes the whole connection: one channel error (a 404 on a deleted queue, say) would
    // drop every channel.
    raw.on('error', (err: Error) => {
      this.closeReason = err;
      this.host.logger.warn(
        `Channel ${this.name} on connection ${this.host.id} closed: ${this.host.scrub(err.message)}`,
      );
    });
    raw.on('close', () => {
      if (this.raw === raw) this.raw = undefined;
      // Connection still up shortly after, and no new channel under the wrapper: only this channel died.
      setTimeout(() => {
        if (this.host.isConnected && this.raw === undefined && !this.dead && !this.closed) {
          this.dead = true;
          this.failWaiters();
          this.host.channelDied(this);
        }
      }, DEAD_CHANNEL_CHECK_MS).unref();
    });
    const waiters = this.openWaiters;
    this.openWaiters = [];
    // Resolved as promise jobs: a subclass's attach finishes its own listeners first.
    for (const w of waiters) w.resolve();
  }

  private failWaiters(): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    for (const w of waiters) w.reject(new Error(`channel ${this.name} closed`));
  }
}
