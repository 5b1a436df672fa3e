export { BrokerModule } from './broker.module.js';
export { BROKER_MODULE_OPTIONS } from './broker.constants.js';
export type {
  BrokerModuleOptions,
  BrokerModuleAsyncOptions,
  BrokerOptionsFactory,
} from './interfaces/broker-module-options.interface.js';
export * from './core/index.js';
