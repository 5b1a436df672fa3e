import type { ChannelRole } from '../core/connection/connection-holder.js';
import type { ConnectionInfo } from '../core/connection/connection-info.js';
import type { DramatiqBroker } from '../core/broker.js';

/**
 * Takes a channel of the role, checks its connection is open, gives it back. Throws the
 * broker's typed error (refused, auth, limit, timeout...) when RabbitMQ cannot be reached.
 */
async function ensureConnection(broker: DramatiqBroker, role: ChannelRole): Promise<void> {
  const lease = await broker.acquire(role);
  try {
    if (!lease.connection.isConnected) {
      throw lease.connection.lastError ?? new Error(`The ${role} connection is ${lease.connection.state}.`);
    }
  } finally {
    lease.release();
  }
}

export function ensureConsumerConnection(broker: DramatiqBroker): Promise<void> {
  return ensureConnection(broker, 'consumer');
}

export function ensureProducerConnection(broker: DramatiqBroker): Promise<void> {
  return ensureConnection(broker, 'producer');
}

export function getConsumerConnections(broker: DramatiqBroker): ConnectionInfo[] {
  return broker.connections().filter((c) => c.role !== 'producer');
}

export function getProducerConnections(broker: DramatiqBroker): ConnectionInfo[] {
  return broker.connections().filter((c) => c.role !== 'consumer');
}
