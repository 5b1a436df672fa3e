export { DramatiqDashboardModule } from './dashboard.module.js';
export type { DashboardOptions } from './dashboard-options.js';
export { DashboardGuardMissingError } from './dashboard.errors.js';
export { DASHBOARD_ACTION_HEADER } from './same-origin-post.guard.js';
export { DashboardService, type DashboardOverview, type QueueOverview } from './dashboard.service.js';
