export { BrokerEvents } from './broker-events.js';
export type * from './event-types.js';
