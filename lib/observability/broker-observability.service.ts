import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { BROKER_MODULE_OPTIONS } from '../broker.constants.js';
import { DramatiqBroker } from '../core/broker.js';
import { loadOptionalPeer } from '../core/observability/optional-peer.js';
import type { BrokerEventName } from '../core/observability/events/event-types.js';
import { enablePrometheus } from '../core/observability/metrics/enable-prometheus.js';
import type { PrometheusMetrics } from '../core/observability/metrics/prometheus-metrics.js';
import { enableTracing } from '../core/observability/tracing/enable-tracing.js';
import type { TracingMiddleware } from '../core/observability/tracing/tracing-middleware.js';
import type { BrokerModuleOptions } from '../interfaces/broker-module-options.interface.js';

const EVENT_NAMES: readonly BrokerEventName[] = [
  'succeeded',
  'failed',
  'retried',
  'deadLettered',
  'skipped',
  'connectionLost',
  'connectionRestored',
];

/**
 * Switches on what the module's `metrics`, `tracing` and `eventEmitter` options ask for, at
 * module init (before the worker starts); loads their optional peers only then.
 */
@Injectable()
export class BrokerObservability implements OnModuleInit, OnApplicationShutdown {
  private prometheus?: PrometheusMetrics;
  private tracer?: TracingMiddleware;
  private readonly removers: (() => void)[] = [];

  constructor(
    private readonly broker: DramatiqBroker,
    @Inject(BROKER_MODULE_OPTIONS) private readonly options: BrokerModuleOptions,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly http?: HttpAdapterHost,
  ) {}

  /** The Prometheus metrics, when the `metrics` option is on. */
  get metrics(): PrometheusMetrics | undefined {
    return this.prometheus;
  }

  /** The tracing middleware, when the `tracing` option is on. */
  get tracing(): TracingMiddleware | undefined {
    return this.tracer;
  }

  async onModuleInit(): Promise<void> {
    const { metrics, tracing, eventEmitter } = this.options;
    if (metrics) {
      const options = metrics === true ? {} : metrics;
      this.prometheus = await enablePrometheus(this.broker, options);
      if (options.path) this.serveMetrics(options.path, this.prometheus);
    }
    // Enabled after the metrics: outermost, so the metrics' own hooks run inside the span.
    if (tracing) this.tracer = await enableTracing(this.broker, tracing === true ? {} : tracing);
    if (eventEmitter)
      await this.bridgeEventEmitter(eventEmitter === true ? 'dramatiq.' : (eventEmitter.prefix ?? 'dramatiq.'));
  }

  onApplicationShutdown(): void {
    for (const remove of this.removers.splice(0)) remove();
    this.prometheus?.detach();
    this.tracer?.detach();
  }

  private serveMetrics(path: string, metrics: PrometheusMetrics): void {
    const adapter = this.http?.httpAdapter;
    if (!adapter) {
      this.broker.logger.warn(`metrics.path "${path}" ignored: this application has no HTTP server.`);
      return;
    }
    adapter.get(path, (_req: unknown, res: unknown) => {
      metrics.metrics().then(
        (body) => {
          adapter.setHeader(res, 'Content-Type', metrics.contentType);
          adapter.reply(res, body, 200);
        },
        (err: unknown) => adapter.reply(res, String(err), 500),
      );
    });
  }

  private async bridgeEventEmitter(prefix: string): Promise<void> {
    const { EventEmitter2 } = await loadOptionalPeer<{ EventEmitter2: abstract new (...args: never[]) => unknown }>(
      '@nestjs/event-emitter',
      'The eventEmitter option',
      'EventEmitter2',
    );
    const emitter = this.moduleRef.get(EventEmitter2, { strict: false }) as {
      emit(name: string, event: unknown): boolean;
    };
    for (const name of EVENT_NAMES) {
      this.removers.push(this.broker.events.on(name, (event) => emitter.emit(`${prefix}${name}`, event)));
    }
  }
}
