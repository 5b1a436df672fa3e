export { BrokerModule } from './broker.module.js';
export { BROKER_MODULE_OPTIONS } from './broker.constants.js';
export { Actor } from './decorators/actor.decorator.js';
export { OnBrokerEvent } from './decorators/on-broker-event.decorator.js';
export { BrokerObservability } from './observability/broker-observability.service.js';
export { ActorOnNonStaticProviderError } from './actors/actor.errors.js';
export {
  TaskQueue,
  type MethodNames,
  type ResultOf,
  type TypedSendOptions,
  type StepArgs,
  type TypedMessageOptions,
} from './actors/task-queue.service.js';
export { WorkerOrchestrator } from './worker/worker.orchestrator.js';
export type {
  BrokerModuleOptions,
  BrokerModuleAsyncOptions,
  BrokerModuleRootOptions,
  BrokerOptionsFactory,
} from './interfaces/broker-module-options.interface.js';
export type { BrokerEventEmitterOptions, BrokerMetricsOptions } from './interfaces/observability-options.interface.js';
export * from './core/index.js';
