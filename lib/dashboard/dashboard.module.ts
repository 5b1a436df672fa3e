import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { DASHBOARD_OPTIONS, type DashboardOptions, resolveDashboardSettings } from './dashboard-options.js';
import { createDashboardController } from './dashboard.controller.js';
import { DashboardService } from './dashboard.service.js';

/**
 * An optional web page and JSON API over the broker: queues with their counts, rates and
 * consumers, this application's connections and health, dead letters with their reasons,
 * requeue and purge. Off unless imported (next to BrokerModule); refuses to start without
 * an access guard unless `localDevelopment: true`. See docs/dead-letters.md.
 */
@Module({})
export class DramatiqDashboardModule {
  static forRoot(options: DashboardOptions): DynamicModule {
    const settings = resolveDashboardSettings(options);
    if (!settings.guard) {
      new Logger('DramatiqDashboard').warn(
        `The dashboard at /${settings.path} has no access guard (localDevelopment: true): anyone who reaches this ` +
          'application can read messages, requeue and purge. Never deploy it like this.',
      );
    }
    return {
      module: DramatiqDashboardModule,
      controllers: [createDashboardController(settings)],
      providers: [{ provide: DASHBOARD_OPTIONS, useValue: settings }, DashboardService],
    };
  }
}
