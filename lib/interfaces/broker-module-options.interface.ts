import type { ConfigurableModuleAsyncOptions, ConfigurableModuleOptionsFactory } from '@nestjs/common';
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

/** Options of the module itself, not passed on to the broker. */
export interface BrokerModuleExtras {
  /** Register the module globally. Default true: one broker per application. */
  isGlobal?: boolean;
}

/** What forRoot takes: the options, plus `isGlobal`. */
export type BrokerModuleRootOptions = BrokerModuleOptions & BrokerModuleExtras;

/** A class forRootAsync's useClass / useExisting can name: `createBrokerOptions()` gives the options. */
export type BrokerOptionsFactory = ConfigurableModuleOptionsFactory<BrokerModuleOptions, 'createBrokerOptions'>;

/** What forRootAsync takes: useFactory (+ inject), useClass or useExisting; imports; isGlobal. */
export type BrokerModuleAsyncOptions = ConfigurableModuleAsyncOptions<BrokerModuleOptions, 'createBrokerOptions'> &
  BrokerModuleExtras;
