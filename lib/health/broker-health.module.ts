import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrokerHealthIndicator } from './broker.health-indicator.js';

/** Import next to BrokerModule: provides BrokerHealthIndicator and re-exports TerminusModule (HealthCheckService). */
@Module({
  imports: [TerminusModule],
  providers: [BrokerHealthIndicator],
  exports: [BrokerHealthIndicator, TerminusModule],
})
export class BrokerHealthModule {}
