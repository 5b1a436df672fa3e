import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { DramatiqBrokerOptions } from '../core/broker.js';
import type { WorkerOptions } from '../core/worker/worker-options.js';

/** Options of BrokerModule.forRoot: the broker's own options plus Nest-only ones. */
export interface BrokerModuleOptions extends DramatiqBrokerOptions {
  /**
   * The worker that consumes the queues of discovered actors. `false`: this process only
   * sends. Default: a worker with default settings (see WorkerOptions).
   */
  worker?: WorkerOptions | false;
}

export interface BrokerOptionsFactory {
  createBrokerOptions(): Promise<BrokerModuleOptions> | BrokerModuleOptions;
}

export interface BrokerModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Register the module globally (default true: one broker per application). */
  isGlobal?: boolean;
  useFactory?: (...args: any[]) => Promise<BrokerModuleOptions> | BrokerModuleOptions;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useClass?: Type<BrokerOptionsFactory>;
  useExisting?: Type<BrokerOptionsFactory>;
}
