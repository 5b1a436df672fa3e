import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConnectionStrategy } from '../options/broker-options.js';
import type { ConnectionInfo } from './connection-info.js';
import type { ManagedConnection } from './managed-connection.js';

export type ChannelRole = 'producer' | 'consumer';

/** A channel lent out for one operation (a publish) or one long task (a consumer). */
export interface ChannelLease {
  readonly channel: ChannelWrapper;
  readonly connection: ManagedConnection;
  /** Gives the channel back for reuse. Calling it twice is harmless. */
  release(): void;
  /** Closes the channel instead of reusing it (after a channel error, say). */
  discard(): Promise<void>;
}

/**
 * What the rest of the library knows about connections. The strategies ('pooled',
 * 'shared') implement it; nothing outside `connection/` needs to know which one runs.
 */
export interface ConnectionHolder {
  readonly strategy: ConnectionStrategy;
  /** Lends a channel; opens connections lazily. Rejects with a typed error, never hangs past the retry policy. */
  acquire(role: ChannelRole): Promise<ChannelLease>;
  /**
   * The synchronous fast path of acquire: a lease at once when a connected channel with room
   * exists (or can be created without waiting), undefined otherwise (then call acquire).
   */
  acquireNow(role: ChannelRole): ChannelLease | undefined;
  /** Opens the first connection now instead of at first use. */
  connect(): Promise<void>;
  /** The error of the last connection that gave up (retries spent), for health reports. */
  readonly lastFailure: Error | undefined;
  /** Snapshot of the open connections (each tagged with its role). */
  connections(): ConnectionInfo[];
  /** Closes every connection. Idempotent; a later acquire opens new ones. */
  close(): Promise<void>;
}
