import { randomBytes } from 'node:crypto';
import { DramatiqBroker } from '../../lib/core/broker.js';
import type { DramatiqBrokerOptions } from '../../lib/core/broker.js';
import type { BrokerLogger } from '../../lib/core/logging/broker-logger.js';
import { type ConnectionInfo, ctl, listConnections, type RabbitNodeHandle } from './rabbitmqctl.js';

/** A connection name no other test uses, so server-side counts see only this test's connections. */
export function uniqueName(prefix = 'it'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Server-side view of the connections carrying `name`. */
export async function serverConnectionsNamed(name: string, node?: RabbitNodeHandle): Promise<ConnectionInfo[]> {
  return (await listConnections(node)).filter((c) => c.connectionName === name);
}

/** Collects log lines, so tests can assert on what a user would see (and on what must never show). */
export class CapturingLogger implements BrokerLogger {
  readonly lines: string[] = [];
  log(m: string) {
    this.lines.push(`LOG ${m}`);
  }
  warn(m: string) {
    this.lines.push(`WARN ${m}`);
  }
  error(m: string) {
    this.lines.push(`ERROR ${m}`);
  }
  debug(m: string) {
    this.lines.push(`DEBUG ${m}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** Brokers made through this are closed by closeAll() in afterEach/afterAll. */
export class BrokerTracker {
  private readonly brokers: DramatiqBroker[] = [];
  create(options: DramatiqBrokerOptions): DramatiqBroker {
    const broker = new DramatiqBroker(options);
    this.brokers.push(broker);
    return broker;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.brokers.splice(0).map((b) => b.close()));
  }
}

/** Closes, on the server, every connection carrying `name` (clients see 320 CONNECTION_FORCED). */
export async function closeServerConnectionsNamed(
  name: string,
  reason: string,
  node?: RabbitNodeHandle,
): Promise<number> {
  // The tab format prints pids the way close_connection accepts them (the JSON one does not).
  const out = await ctl(['-q', 'list_connections', 'pid', 'client_properties'], node);
  const pids = out
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0]);
  for (const pid of pids) await ctl(['-q', 'close_connection', pid, reason], node);
  return pids.length;
}
