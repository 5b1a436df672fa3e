import type { ConnectionInfo } from '../connection/connection-info.js';
import type { Middleware } from '../middleware/middleware.js';
import type { BrokerSettings } from '../options/broker-settings.js';
import type { PublishStats } from '../publishing/publisher.js';
import type { BrokerEvents } from './events/broker-events.js';

/** What metrics and tracing need from a broker (DramatiqBroker provides it). */
export interface ObservedBroker {
  readonly events: BrokerEvents;
  /** The live middleware list: observers put themselves first, so their after-hooks run last. */
  readonly middleware: Middleware[];
  readonly settings: BrokerSettings;
  connections(): ConnectionInfo[];
  publishStats(): PublishStats;
}
