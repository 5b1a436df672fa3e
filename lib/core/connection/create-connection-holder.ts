import type { BrokerSettings } from '../options/broker-settings.js';
import type { ConnectionHolder } from './connection-holder.js';
import { PooledConnectionHolder } from './strategies/pooled-connection-holder.js';
import { SharedConnectionHolder } from './strategies/shared-connection-holder.js';

export function createConnectionHolder(settings: BrokerSettings): ConnectionHolder {
  return settings.strategy === 'pooled' ? new PooledConnectionHolder(settings) : new SharedConnectionHolder(settings);
}
