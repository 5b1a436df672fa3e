export * from './events/index.js';
export * from './metrics/index.js';
export * from './tracing/index.js';
export { OptionalDependencyMissingError } from './optional-peer.js';
export type { ObservedBroker } from './observed-broker.js';
