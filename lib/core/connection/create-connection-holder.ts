import type { BrokerEvents } from '../observability/events/broker-events.js';
import type { BrokerSettings } from '../options/broker-settings.js';
import type { ConnectionHolder } from './connection-holder.js';
import { PooledConnectionHolder } from './strategies/pooled-connection-holder.js';
import { SharedConnectionHolder } from './strategies/shared-connection-holder.js';

export function createConnectionHolder(settings: BrokerSettings, events?: BrokerEvents): ConnectionHolder {
  return settings.strategy === 'pooled'
    ? new PooledConnectionHolder(settings, events)
    : new SharedConnectionHolder(settings, events);
}
