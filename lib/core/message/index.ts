export * from './message.js';
export * from './message-codec.js';
