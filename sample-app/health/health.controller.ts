import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { BrokerHealthIndicator } from 'nestjs-dramatiq-broker/health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly broker: BrokerHealthIndicator,
  ) {}

  /** 200 {status: 'ok'} while the broker's connections are up, 503 {status: 'error'} otherwise. */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.broker.isHealthy('rabbitmq')]);
  }
}
