import { ConfigurableModuleBuilder } from '@nestjs/common';
import { BROKER_MODULE_OPTIONS } from './broker.constants.js';
import type { BrokerModuleExtras, BrokerModuleOptions } from './interfaces/broker-module-options.interface.js';

/**
 * forRoot / forRootAsync (useFactory, useClass, useExisting, imports, inject) as Nest's own
 * modules build them; `isGlobal` (default true: one broker per application) is not passed on
 * to the broker's options.
 */
export const { ConfigurableModuleClass: ConfigurableBrokerModule } = new ConfigurableModuleBuilder<BrokerModuleOptions>(
  { optionsInjectionToken: BROKER_MODULE_OPTIONS },
)
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createBrokerOptions')
  .setExtras<BrokerModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
