import type { ConnectionState } from '../../connection/connection-info.js';
import type { MessageContext, Middleware } from '../../middleware/middleware.js';
import { canonicalQueueName } from '../../topology/naming.js';
import type { ObservedBroker } from '../observed-broker.js';
import {
  CONFIRM_BUCKETS_SECONDS,
  DEFAULT_EXTRA_PREFIX,
  DRAMATIQ_DURATION_BUCKETS_MS,
  DRAMATIQ_LABELS,
  DRAMATIQ_METRICS,
} from './dramatiq-metric-names.js';
import type { PromClient, PromCounter, PromGauge, PromHistogram, PromRegistry } from './prom-client-types.js';
import { addFlush, ensureFlushOnCollect, flushOnCollect, removeFlush } from './scrape-time-flush.js';

export interface PrometheusOptions {
  /** Registry to register in; default prom-client's global one (the one @willsoto/nestjs-prometheus serves). */
  registry?: PromRegistry;
  /** Prefix of the metrics Dramatiq has no equivalent for; default 'nestjs_dramatiq_'. */
  prefix?: string;
}

/** One (queue, actor) of the workers. Counts in plain numbers, handed to prom-client at scrape time. */
interface RunSeries {
  readonly queue: string;
  readonly actor: string;
  readonly inProgress: { inc(value?: number): void; dec(value?: number): void };
  readonly duration: { observe(value: number): void };
  readonly messages: { inc(value?: number): void };
  errors?: { inc(): void };
  /** Runs in progress now, and as prom-client was last told. */
  running: number;
  runningFlushed: number;
  /** Messages processed (or skipped) since the last flush. */
  processed: number;
}

interface SendSeries {
  readonly publishes: { inc(value?: number): void };
  readonly confirm: { observe(value: number): void };
  /** Publishes confirmed since the last flush. */
  published: number;
}

const STATES: readonly ConnectionState[] = [
  'idle',
  'connecting',
  'connected',
  'blocked',
  'reconnecting',
  'failed',
  'closed',
];

/**
 * Dramatiq's Prometheus metrics (exact names, types, labels, buckets) for this broker's workers,
 * plus publishing and connection metrics under `prefix`. A middleware (first in the stack) for
 * what happens around the actor, listeners on broker.events for the rest, and gauges read from
 * the broker at scrape time. The per-message counts (processed, in progress, published) are kept
 * in plain numbers and handed to prom-client when the registry is read (scrape-time-flush.ts);
 * histograms are observed as they happen. Create it with enablePrometheus().
 */
export class PrometheusMetrics implements Middleware {
  readonly name = 'Prometheus';
  readonly registry: PromRegistry;
  private readonly messages: PromCounter;
  private readonly errors: PromCounter;
  private readonly retries: PromCounter;
  private readonly rejects: PromCounter;
  private readonly inProgress: PromGauge;
  private readonly delayedInProgress: PromGauge;
  private readonly duration: PromHistogram;
  private readonly publishes: PromCounter;
  private readonly publishFailures: PromCounter;
  private readonly confirmSeconds: PromHistogram;
  private readonly reconnects: PromCounter;
  private readonly connectionLosses: PromCounter;
  private readonly resultsStored: PromCounter;
  private readonly resultsAwaited: PromCounter;
  private readonly resultWaitSeconds: PromHistogram;
  private readonly removers: (() => void)[] = [];
  /** Labelled series by queue, then actor: prom-client's labels() hashes its arguments on every call. */
  private readonly runSeries = new Map<string, Map<string, RunSeries>>();
  private readonly sendSeries = new Map<string, SendSeries>();
  /** After detach(): counts are handed over as they are made (runs that were still going). */
  private detached = false;

  constructor(
    prom: PromClient,
    private readonly broker: ObservedBroker,
    options: PrometheusOptions = {},
  ) {
    const registry = options.registry ?? prom.register;
    this.registry = registry;
    const registers = [registry];
    const p = options.prefix ?? DEFAULT_EXTRA_PREFIX;
    const labelNames = DRAMATIQ_LABELS;
    const collect = flushOnCollect(registry);
    // A metric of that name already in the registry (a second broker, a test app started again)
    // is reused: prom-client refuses a second registration under one name.
    // One found there flushes the deferred counts on collect too (see scrape-time-flush.ts).
    const existing = <T>(name: string): T | undefined => {
      const metric = registry.getSingleMetric(name);
      if (metric !== undefined) ensureFlushOnCollect(metric, registry);
      return metric as T | undefined;
    };
    const counter = (name: string, help: string, labels: readonly string[] = labelNames): PromCounter =>
      existing<PromCounter>(name) ?? new prom.Counter({ name, help, labelNames: labels, registers, collect });
    const gauge = (name: string, help: string, labels: readonly string[] = labelNames): PromGauge =>
      existing<PromGauge>(name) ?? new prom.Gauge({ name, help, labelNames: labels, registers, collect });
    const histogram = (name: string, help: string, buckets: readonly number[], labels: readonly string[]) =>
      (registry.getSingleMetric(name) as PromHistogram | undefined) ??
      new prom.Histogram({ name, help, labelNames: labels, buckets: [...buckets], registers });
    // Read from the broker at scrape time: the one registered last (this broker) wins.
    const sampled = (name: string, help: string, labels: readonly string[], collect: (g: PromGauge) => void) => {
      if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
      return new prom.Gauge({
        name,
        help,
        labelNames: labels,
        registers,
        collect() {
          this.reset();
          collect(this);
        },
      });
    };

    const d = DRAMATIQ_METRICS;
    this.messages = counter(d.messages.name, d.messages.help);
    this.errors = counter(d.errors.name, d.errors.help);
    this.retries = counter(d.retries.name, d.retries.help);
    this.rejects = counter(d.rejects.name, d.rejects.help);
    this.inProgress = gauge(d.inProgress.name, d.inProgress.help);
    this.delayedInProgress = gauge(d.delayedInProgress.name, d.delayedInProgress.help);
    this.duration = histogram(d.duration.name, d.duration.help, DRAMATIQ_DURATION_BUCKETS_MS, labelNames);

    this.publishes = counter(`${p}publishes_total`, 'Messages published and confirmed by RabbitMQ.', ['queue_name']);
    this.publishFailures = counter(`${p}publish_failures_total`, 'Sends that failed for good, by reason.', [
      'queue_name',
      'reason',
    ]);
    this.confirmSeconds = histogram(
      `${p}publish_confirm_seconds`,
      'Time from a send to its confirm by RabbitMQ (waiting for a publish slot included).',
      CONFIRM_BUCKETS_SECONDS,
      ['queue_name'],
    );
    this.reconnects = counter(`${p}reconnects_total`, 'Connections re-established after a loss.', ['role']);
    this.connectionLosses = counter(`${p}connection_losses_total`, 'Connections lost (they reconnect on their own).', [
      'role',
    ]);
    this.resultsStored = counter(`${p}results_stored_total`, 'Results written to the results backend.');
    this.resultsAwaited = counter(
      `${p}results_awaited_total`,
      'Waits for a result, by outcome (ready, timeout, error).',
      ['outcome'],
    );
    this.resultWaitSeconds = histogram(
      `${p}result_wait_seconds`,
      'Time a caller waited for a result.',
      CONFIRM_BUCKETS_SECONDS,
      ['outcome'],
    );
    const { strategy, pools } = broker.settings;
    const roles = strategy === 'shared' ? ['shared'] : ['producer', 'consumer'];
    sampled(`${p}connections`, 'Open connections by role and state.', ['role', 'state'], (g) => {
      const counts = new Map<string, number>();
      for (const c of broker.connections())
        counts.set(`${c.role}/${c.state}`, (counts.get(`${c.role}/${c.state}`) ?? 0) + 1);
      for (const role of roles) for (const state of STATES) g.set({ role, state }, counts.get(`${role}/${state}`) ?? 0);
    });
    sampled(`${p}channels`, 'Open channels, by the role of their connection.', ['role'], (g) => {
      const counts = new Map<string, number>(roles.map((r) => [r, 0]));
      for (const c of broker.connections()) counts.set(c.role, (counts.get(c.role) ?? 0) + c.channels);
      for (const [role, n] of counts) g.set({ role }, n);
    });
    sampled(
      `${p}pool_limit`,
      "The pools' limits: connections per role ('pooled') or channels per role ('shared').",
      ['role', 'unit'],
      (g) => {
        const unit = strategy === 'shared' ? 'channels' : 'connections';
        g.set({ role: 'producer', unit }, pools.producers);
        g.set({ role: 'consumer', unit }, pools.consumers);
      },
    );
    sampled(`${p}publishes_in_flight`, 'Sends holding a publish slot (written, awaiting confirm).', [], (g) =>
      g.set({}, broker.publishStats().inFlight),
    );
    sampled(`${p}publishes_waiting`, 'Sends waiting for a publish slot.', [], (g) =>
      g.set({}, broker.publishStats().waiting),
    );
    sampled(`${p}publish_slots`, 'Publish slots now (sends that may be in flight at once).', [], (g) =>
      g.set({}, broker.publishStats().limit),
    );
  }

  /** Starts counting: adds the middleware (first) and the event listeners. Called by enablePrometheus. */
  attach(): this {
    const { broker } = this;
    const first = broker.middleware.indexOf(this);
    if (first < 0) broker.middleware.unshift(this);
    const on = broker.events;
    this.removers.push(
      on.on('retried', (e) => this.retries.labels(e.queueName, e.actorName).inc()),
      on.on('deadLettered', (e) => this.rejects.labels(e.queueName, e.actorName ?? '').inc()),
      on.on('delayHeld', (e) => this.delayedInProgress.labels(e.queueName, e.actorName).inc()),
      on.on('delayReleased', (e) => this.delayedInProgress.labels(e.queueName, e.actorName).dec()),
      on.on('published', (e) => {
        const series = this.sendSeriesOf(e.queueName);
        series.published += 1;
        series.confirm.observe(e.durationMs / 1000);
      }),
      on.on('publishFailed', (e) => this.publishFailures.labels(e.queueName, e.reason).inc()),
      on.on('connectionLost', (e) => this.connectionLosses.labels(e.role).inc()),
      on.on('connectionRestored', (e) => this.reconnects.labels(e.role).inc()),
      on.on('resultStored', (e) => this.resultsStored.labels(e.queueName, e.actorName).inc()),
      on.on('resultAwaited', (e) => {
        this.resultsAwaited.labels(e.outcome).inc();
        this.resultWaitSeconds.labels(e.outcome).observe(e.durationMs / 1000);
      }),
    );
    this.detached = false;
    addFlush(this.registry, this.flush);
    return this;
  }

  /**
   * Stops counting new messages (the metrics stay registered, with every count made so far).
   * Runs still going finish their counts: each hands them over itself when it ends.
   */
  detach(): void {
    this.flush();
    this.detached = true;
    removeFlush(this.registry, this.flush);
    for (const remove of this.removers.splice(0)) remove();
    const at = this.broker.middleware.indexOf(this);
    if (at >= 0) this.broker.middleware.splice(at, 1);
  }

  /** The exposition text of the registry (what /metrics serves). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Around the actor, first in the stack: in progress, duration, processed and errored, as Dramatiq counts them. */
  aroundProcess(ctx: MessageContext, next: () => Promise<unknown>): Promise<unknown> {
    const series = this.runSeriesOf(ctx.message.queue_name, ctx.actor.name);
    series.running += 1;
    const started = performance.now();
    let running: Promise<unknown>;
    try {
      running = next();
    } catch (err) {
      this.ran(series, started, true);
      throw err;
    }
    return running.then(
      (result) => {
        this.ran(series, started, false);
        return result;
      },
      (err: unknown) => {
        this.ran(series, started, true);
        throw err;
      },
    );
  }

  /** A skipped message counts as processed, as in Dramatiq (after_skip_message = after_process_message). */
  afterSkip(ctx: MessageContext): void {
    const series = this.runSeriesOf(ctx.message.queue_name, ctx.actor.name);
    series.duration.observe(Date.now() - ctx.receivedAt);
    series.processed += 1;
    if (this.detached) this.flush();
  }

  private ran(series: RunSeries, started: number, failed: boolean): void {
    series.running -= 1;
    series.duration.observe(performance.now() - started);
    series.processed += 1;
    if (this.detached) this.flush(); // no scrape flushes for it any more
    // Created at the first error only: an actor that never failed has no errors series, as in Dramatiq.
    if (failed) (series.errors ??= this.errors.labels(series.queue, series.actor)).inc();
  }

  private runSeriesOf(queueName: string, actor: string): RunSeries {
    let byActor = this.runSeries.get(queueName);
    if (byActor === undefined) this.runSeries.set(queueName, (byActor = new Map()));
    let series = byActor.get(actor);
    if (series === undefined) {
      const queue = canonicalQueueName(queueName);
      series = {
        queue,
        actor,
        inProgress: this.inProgress.labels(queue, actor),
        duration: this.duration.labels(queue, actor),
        messages: this.messages.labels(queue, actor),
        running: 0,
        runningFlushed: 0,
        processed: 0,
      };
      series.inProgress.inc(0); // shown (as 0) from the first scrape on, as when it was counted live
      byActor.set(actor, series);
    }
    return series;
  }

  /** Hands the counts made since the last scrape to prom-client (run from the metrics' collect()). */
  private readonly flush = (): void => {
    for (const byActor of this.runSeries.values()) {
      for (const series of byActor.values()) {
        if (series.processed !== 0) {
          series.messages.inc(series.processed);
          series.processed = 0;
        }
        const change = series.running - series.runningFlushed;
        if (change > 0) series.inProgress.inc(change);
        else if (change < 0) series.inProgress.dec(-change);
        series.runningFlushed = series.running;
      }
    }
    for (const series of this.sendSeries.values()) {
      if (series.published !== 0) {
        series.publishes.inc(series.published);
        series.published = 0;
      }
    }
  };

  private sendSeriesOf(queue: string): SendSeries {
    let series = this.sendSeries.get(queue);
    if (series === undefined) {
      series = { publishes: this.publishes.labels(queue), confirm: this.confirmSeconds.labels(queue), published: 0 };
      this.sendSeries.set(queue, series);
    }
    return series;
  }
}
