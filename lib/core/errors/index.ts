export * from './broker-error.js';
export * from './configuration.errors.js';
export * from './connection.errors.js';
export * from './pool.errors.js';
export { QueueNotFoundError } from './queue.errors.js';
