import type { ConnectionInfo } from '../connection/connection-info.js';

export type BrokerHealthStatus = 'up' | 'down' | 'degraded';

/** What a health probe reports. Built from connection snapshots only: it never opens a connection. */
export interface BrokerHealth {
  readonly status: BrokerHealthStatus;
  readonly reason?: string;
  readonly strategy: string;
  readonly connections: ReadonlyArray<Pick<ConnectionInfo, 'id' | 'role' | 'name' | 'state' | 'address' | 'channels'>>;
}

/**
 * up: every open connection is connected. degraded: connected, but RabbitMQ blocks
 * publishing (resource alarm). down: a connection is lost or failed, or none was opened.
 */
export function assessHealth(strategy: string, infos: readonly ConnectionInfo[], lastFailure?: Error): BrokerHealth {
  const connections = infos.map(({ id, role, name, state, address, channels }) => ({
    id,
    role,
    name,
    state,
    address,
    channels,
  }));
  if (infos.length === 0 && lastFailure) {
    return { status: 'down', strategy, connections, reason: lastFailure.message };
  }
  if (infos.length === 0) {
    return {
      status: 'down',
      strategy,
      connections,
      reason:
        'No connection to RabbitMQ is open yet (connections open on first use; set connectOnStartup: true to open one at start).',
    };
  }
  const unhealthy = infos.find((c) => c.state !== 'connected' && c.state !== 'blocked');
  if (unhealthy) {
    const why = unhealthy.lastError ?? `connection is ${unhealthy.state}`;
    return {
      status: 'down',
      strategy,
      connections,
      reason: `${unhealthy.role} connection ${unhealthy.id} is ${unhealthy.state}: ${why}`,
    };
  }
  const blocked = infos.find((c) => c.state === 'blocked');
  if (blocked) {
    return {
      status: 'degraded',
      strategy,
      connections,
      reason: `RabbitMQ blocks ${blocked.role} connection ${blocked.id}: ${blocked.blockedReason ?? 'resource alarm'}`,
    };
  }
  return { status: 'up', strategy, connections };
}
