import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { BrokerOptions } from '../core/options/broker-options.js';

/** Options of BrokerModule.forRoot: the broker's own options plus Nest-only ones. */
export interface BrokerModuleOptions extends BrokerOptions {
  /** Register the module globally (default true: one broker per application). */
  isGlobal?: boolean;
}

export interface BrokerOptionsFactory {
  createBrokerOptions(): Promise<BrokerOptions> | BrokerOptions;
}

export interface BrokerModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  isGlobal?: boolean;
  useFactory?: (...args: any[]) => Promise<BrokerOptions> | BrokerOptions;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useClass?: Type<BrokerOptionsFactory>;
  useExisting?: Type<BrokerOptionsFactory>;
}
