import { type DynamicModule, Logger, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ActorMetadataAccessor } from './actors/actor-metadata.accessor.js';
import { ActorExplorer } from './actors/actor.explorer.js';
import { TaskQueue } from './actors/task-queue.service.js';
import { BrokerLifecycle } from './broker-lifecycle.service.js';
import { BROKER_MODULE_OPTIONS, MODULE_ONLY_OPTION_KEYS } from './broker.constants.js';
import { ConfigurableBrokerModule } from './broker.module-definition.js';
import { DramatiqBroker } from './core/broker.js';
import { InvalidBrokerOptionError } from './core/errors/configuration.errors.js';
import { resolveWorkerSettings } from './core/worker/worker-options.js';
import type { BrokerModuleAsyncOptions, BrokerModuleOptions } from './interfaces/broker-module-options.interface.js';
import { BrokerEventExplorer } from './observability/broker-event.explorer.js';
import { BrokerObservability } from './observability/broker-observability.service.js';
import { checkObservabilityOptions } from './observability/observability-options.js';
import { WorkerOrchestrator } from './worker/worker.orchestrator.js';

const brokerProvider: Provider = {
  provide: DramatiqBroker,
  // Options are validated here, so a bad value stops the application at start.
  useFactory: (options: BrokerModuleOptions) => {
    const { worker, metrics: _metrics, tracing: _tracing, eventEmitter: _eventEmitter, ...brokerOptions } = options;
    if (worker !== undefined && worker !== false) resolveWorkerSettings(worker);
    checkObservabilityOptions(options);
    return new DramatiqBroker(
      { ...brokerOptions, logger: options.logger ?? new Logger('DramatiqBroker') },
      MODULE_ONLY_OPTION_KEYS,
    );
  },
  inject: [BROKER_MODULE_OPTIONS],
};

/**
 * `BrokerModule.forRoot(options)` or `BrokerModule.forRootAsync({ useFactory | useClass |
 * useExisting, imports, inject })`; global unless `isGlobal: false`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    brokerProvider,
    BrokerLifecycle,
    ActorMetadataAccessor,
    ActorExplorer,
    WorkerOrchestrator,
    TaskQueue,
    BrokerObservability,
    BrokerEventExplorer,
  ],
  exports: [DramatiqBroker, TaskQueue, WorkerOrchestrator, BrokerObservability, BROKER_MODULE_OPTIONS],
})
export class BrokerModule extends ConfigurableBrokerModule {
  static override forRootAsync(options: BrokerModuleAsyncOptions): DynamicModule {
    // Without one of these the builder would register a provider of nothing, failing later and obscurely.
    if (!options.useFactory && !options.useClass && !options.useExisting) {
      throw new InvalidBrokerOptionError(
        'forRootAsync',
        'one of useFactory, useClass or useExisting',
        options,
        'BrokerModule.forRootAsync needs one of useFactory, useClass or useExisting.',
      );
    }
    return super.forRootAsync(options);
  }
}
