import type { ConfigurableModuleAsyncOptions, ConfigurableModuleOptionsFactory } from '@nestjs/common';
import type { DramatiqBrokerOptions } from '../core/broker.js';
import type { TracingOptions } from '../core/observability/tracing/tracing-options.js';
import type { WorkerOptions } from '../core/worker/worker-options.js';
import type { BrokerEventEmitterOptions, BrokerMetricsOptions } from './observability-options.interface.js';

/** Options of BrokerModule.forRoot: the broker's own options plus Nest-only ones. */
export interface BrokerModuleOptions extends DramatiqBrokerOptions {
  /**
   * The worker that consumes the queues of discovered actors. `false`: this process only
   * sends. Default: a worker with default settings (see WorkerOptions).
   */
  worker?: WorkerOptions | false;
  /**
   * Dramatiq's Prometheus metrics (and ours) in prom-client's registry, or the one given;
   * `path` serves them over HTTP. Needs the optional peer prom-client. Default: off.
   */
  metrics?: boolean | BrokerMetricsOptions;
  /**
   * OpenTelemetry spans for sends and runs, the trace context carried in the message. Needs the
   * optional peer @opentelemetry/api (and an SDK for spans to go anywhere). Default: off.
   */
  tracing?: boolean | TracingOptions;
  /** Re-emit broker events through @nestjs/event-emitter's EventEmitter2 ('dramatiq.failed', ...). Default: off. */
  eventEmitter?: boolean | BrokerEventEmitterOptions;
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
