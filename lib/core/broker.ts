import type { ChannelLease, ChannelRole, ConnectionHolder } from './connection/connection-holder.js';
import type { ConnectionInfo } from './connection/connection-info.js';
import { createConnectionHolder } from './connection/create-connection-holder.js';
import { assessHealth, type BrokerHealth } from './health/broker-health.js';
import type { BrokerOptions } from './options/broker-options.js';
import { type BrokerSettings, resolveBrokerSettings } from './options/broker-settings.js';

/**
 * The framework-free broker: owns the connections (through the chosen strategy) and
 * exposes what messaging, health checks and operators need. Usable without NestJS.
 */
export class DramatiqBroker {
  readonly settings: BrokerSettings;
  private readonly holder: ConnectionHolder;

  constructor(options: BrokerOptions, extraOptionKeys: readonly string[] = []) {
    this.settings = resolveBrokerSettings(options, extraOptionKeys);
    this.holder = createConnectionHolder(this.settings);
  }

  get strategy() {
    return this.holder.strategy;
  }

  /** Lends a channel of the given role; see ConnectionHolder.acquire. */
  acquire(role: ChannelRole): Promise<ChannelLease> {
    return this.holder.acquire(role);
  }

  /** Opens a connection now rather than at first use. */
  connect(): Promise<void> {
    return this.holder.connect();
  }

  /** Open connections with their role, name, state and channel count. */
  connections(): ConnectionInfo[] {
    return this.holder.connections();
  }

  /** Health from the connections already open; never opens one. */
  health(): BrokerHealth {
    return assessHealth(this.holder.strategy, this.holder.connections(), this.holder.lastFailure);
  }

  /** Closes every connection. Idempotent; the broker reconnects on its next use. */
  close(): Promise<void> {
    return this.holder.close();
  }
}
