import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrokerHealthIndicator } from './broker.health-indicator.js';

/** Import next to BrokerModule to inject BrokerHealthIndicator into a Terminus health controller. */
@Module({
  imports: [TerminusModule],
  providers: [BrokerHealthIndicator],
  exports: [BrokerHealthIndicator],
})
export class BrokerHealthModule {}
