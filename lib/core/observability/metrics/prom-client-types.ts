/**
 * The part of prom-client's API the metrics use, typed here so that the package's types do not
 * require prom-client to be installed.
 */
export interface PromCounter {
  labels(...values: string[]): { inc(value?: number): void };
  inc(labels: Record<string, string>, value?: number): void;
}

export interface PromGauge {
  labels(...values: string[]): { inc(value?: number): void; dec(value?: number): void; set(value: number): void };
  set(labels: Record<string, string>, value: number): void;
  reset(): void;
}

export interface PromHistogram {
  labels(...values: string[]): { observe(value: number): void };
}

export interface PromRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

interface MetricConfig {
  name: string;
  help: string;
  labelNames?: readonly string[];
  registers?: PromRegistry[];
}

/** The prom-client module. */
export interface PromClient {
  register: PromRegistry;
  Registry: new () => PromRegistry;
  Counter: new (config: MetricConfig & { collect?: () => void }) => PromCounter;
  Gauge: new (config: MetricConfig & { collect?: (this: PromGauge) => void | Promise<void> }) => PromGauge;
  Histogram: new (config: MetricConfig & { buckets?: number[] }) => PromHistogram;
}
