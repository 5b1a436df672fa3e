export * from './errors.js';
export * from './topology.js';
