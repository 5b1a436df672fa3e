import { type DynamicModule, Logger, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ActorMetadataAccessor } from './actors/actor-metadata.accessor.js';
import { ActorExplorer } from './actors/actor.explorer.js';
import { TaskQueue } from './actors/task-queue.service.js';
import { BrokerLifecycle } from './broker-lifecycle.service.js';
import { BROKER_MODULE_OPTIONS, MODULE_ONLY_OPTION_KEYS } from './broker.constants.js';
import { DramatiqBroker } from './core/broker.js';
import { resolveWorkerSettings } from './core/worker/worker-options.js';
import type {
  BrokerModuleAsyncOptions,
  BrokerModuleOptions,
  BrokerOptionsFactory,
} from './interfaces/broker-module-options.interface.js';
import { WorkerOrchestrator } from './worker/worker.orchestrator.js';

const brokerProvider: Provider = {
  provide: DramatiqBroker,
  // Options are validated here, so a bad value stops the application at start.
  useFactory: (options: BrokerModuleOptions) => {
    const { worker, ...brokerOptions } = options;
    if (worker !== undefined && worker !== false) resolveWorkerSettings(worker);
    return new DramatiqBroker(
      { ...brokerOptions, logger: options.logger ?? new Logger('DramatiqBroker') },
      MODULE_ONLY_OPTION_KEYS,
    );
  },
  inject: [BROKER_MODULE_OPTIONS],
};

@Module({})
export class BrokerModule {
  static forRoot(options: BrokerModuleOptions & { isGlobal?: boolean }): DynamicModule {
    const { isGlobal = true, ...brokerOptions } = options;
    return BrokerModule.assemble(isGlobal, [{ provide: BROKER_MODULE_OPTIONS, useValue: brokerOptions }], []);
  }

  static forRootAsync(options: BrokerModuleAsyncOptions): DynamicModule {
    const { isGlobal = true, imports = [] } = options;
    return BrokerModule.assemble(isGlobal, BrokerModule.asyncOptionProviders(options), imports);
  }

  private static assemble(
    isGlobal: boolean,
    optionProviders: Provider[],
    imports: DynamicModule['imports'],
  ): DynamicModule {
    return {
      module: BrokerModule,
      global: isGlobal,
      imports: [DiscoveryModule, ...(imports ?? [])],
      providers: [
        ...optionProviders,
        brokerProvider,
        BrokerLifecycle,
        ActorMetadataAccessor,
        ActorExplorer,
        WorkerOrchestrator,
        TaskQueue,
      ],
      exports: [DramatiqBroker, TaskQueue, WorkerOrchestrator, BROKER_MODULE_OPTIONS],
    };
  }

  private static asyncOptionProviders(options: BrokerModuleAsyncOptions): Provider[] {
    if (options.useFactory) {
      return [{ provide: BROKER_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
    }
    const factoryClass = options.useClass ?? options.useExisting;
    if (!factoryClass) {
      throw new Error('BrokerModule.forRootAsync needs one of useFactory, useClass or useExisting.');
    }
    const fromFactory: Provider = {
      provide: BROKER_MODULE_OPTIONS,
      useFactory: (factory: BrokerOptionsFactory) => factory.createBrokerOptions(),
      inject: [factoryClass],
    };
    return options.useClass ? [fromFactory, { provide: options.useClass, useClass: options.useClass }] : [fromFactory];
  }
}
