import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DramatiqBroker } from '../core/broker.js';

/**
 * Terminus indicator for the broker. It reads the broker's own connections, so a probe
 * costs nothing on the server (unlike an indicator that opens a connection per probe).
 */
@Injectable()
export class BrokerHealthIndicator {
  constructor(
    private readonly broker: DramatiqBroker,
    private readonly healthIndicatorService: HealthIndicatorService,
  ) {}

  isHealthy<const Key extends string = 'rabbitmq'>(key: Key = 'rabbitmq' as Key): HealthIndicatorResult<Key> {
    const indicator = this.healthIndicatorService.check(key);
    const health = this.broker.health();
    const data = {
      strategy: health.strategy,
      connections: health.connections.map((c) => ({ role: c.role, name: c.name, state: c.state, address: c.address })),
      ...(health.reason ? { reason: health.reason } : {}),
    };
    if (health.status === 'up') return indicator.up(data);
    if (health.status === 'degraded') {
      // Terminus 11 has no "degraded"; there the connection still works, so report up with the reason.
      const session = indicator as unknown as { degraded?: (d: typeof data) => HealthIndicatorResult<Key> };
      return session.degraded ? session.degraded.call(indicator, data) : indicator.up(data);
    }
    return indicator.down(data);
  }
}
