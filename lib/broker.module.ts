import { type DynamicModule, Logger, Module, type Provider } from '@nestjs/common';
import { BrokerLifecycle } from './broker-lifecycle.service.js';
import { BROKER_MODULE_OPTIONS } from './broker.constants.js';
import { DramatiqBroker } from './core/broker.js';
import type { BrokerOptions } from './core/options/broker-options.js';
import type {
  BrokerModuleAsyncOptions,
  BrokerModuleOptions,
  BrokerOptionsFactory,
} from './interfaces/broker-module-options.interface.js';

const brokerProvider: Provider = {
  provide: DramatiqBroker,
  // Options are validated here, so a bad value stops the application at start.
  useFactory: (options: BrokerOptions) =>
    new DramatiqBroker({ ...options, logger: options.logger ?? new Logger('DramatiqBroker') }),
  inject: [BROKER_MODULE_OPTIONS],
};

@Module({})
export class BrokerModule {
  static forRoot(options: BrokerModuleOptions): DynamicModule {
    const { isGlobal = true, ...brokerOptions } = options;
    return BrokerModule.assemble(isGlobal, [{ provide: BROKER_MODULE_OPTIONS, useValue: brokerOptions }], []);
  }

  static forRootAsync(options: BrokerModuleAsyncOptions): DynamicModule {
    const { isGlobal = true, imports = [] } = options;
    return BrokerModule.assemble(isGlobal, BrokerModule.asyncOptionProviders(options), imports);
  }

  private static assemble(isGlobal: boolean, optionProviders: Provider[], imports: DynamicModule['imports']): DynamicModule {
    return {
      module: BrokerModule,
      global: isGlobal,
      imports,
      providers: [...optionProviders, brokerProvider, BrokerLifecycle],
      exports: [DramatiqBroker, BROKER_MODULE_OPTIONS],
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
