import { type CanActivate, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { DramatiqBroker } from 'nestjs-dramatiq-broker';

/**
 * Fails fast with 503 while the connection to RabbitMQ is down. Without it a send made during
 * an outage waits for the reconnection (the library buffers it), and the HTTP request hangs
 * until then. broker.health() only reads connection state: it costs nothing.
 */
@Injectable()
export class BrokerUpGuard implements CanActivate {
  constructor(private readonly broker: DramatiqBroker) {}

  canActivate(): boolean {
    const health = this.broker.health();
    if (health.status === 'down') {
      throw new ServiceUnavailableException(
        `RabbitMQ is unreachable, so the task was not sent; retry later. (${health.reason ?? 'connection down'})`,
      );
    }
    return true;
  }
}
