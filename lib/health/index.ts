export { BrokerHealthIndicator } from './broker.health-indicator.js';
export { BrokerHealthModule } from './broker-health.module.js';
