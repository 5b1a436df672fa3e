import { BrokerError } from '../core/errors/broker-error.js';

/** DramatiqDashboardModule imported with neither `guard` nor `localDevelopment: true`. */
export class DashboardGuardMissingError extends BrokerError {
  constructor() {
    super(
      'DASHBOARD_GUARD_MISSING',
      'DramatiqDashboardModule refuses to start without an access guard: it shows message contents and can ' +
        'requeue and purge. Pass `guard` (a Nest CanActivate), or `localDevelopment: true` for an application ' +
        'that only runs on a developer machine.',
    );
  }
}
