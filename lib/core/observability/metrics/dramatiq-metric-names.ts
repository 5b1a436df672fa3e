/**
 * Dramatiq's own Prometheus metrics (dramatiq/middleware/prometheus.py, Dramatiq 2.x): same
 * names, types, help texts, labels and buckets, so dashboards built for Python workers (Grafana
 * 3692) show Node workers too.
 */
export const DRAMATIQ_LABELS = ['queue_name', 'actor_name'] as const;

/** Dramatiq's duration buckets, in milliseconds (prometheus_client adds +Inf, as prom-client does). */
export const DRAMATIQ_DURATION_BUCKETS_MS: readonly number[] = [
  5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000, 30000, 60000, 600000, 900000,
];

export const DRAMATIQ_METRICS = {
  messages: { name: 'dramatiq_messages_total', help: 'The total number of messages processed.' },
  errors: { name: 'dramatiq_message_errors_total', help: 'The total number of errored messages.' },
  retries: { name: 'dramatiq_message_retries_total', help: 'The total number of retried messages.' },
  rejects: { name: 'dramatiq_message_rejects_total', help: 'The total number of dead-lettered messages.' },
  inProgress: { name: 'dramatiq_messages_inprogress', help: 'The number of messages in progress.' },
  delayedInProgress: {
    name: 'dramatiq_delayed_messages_inprogress',
    help: 'The number of delayed messages in memory.',
  },
  duration: { name: 'dramatiq_message_duration_milliseconds', help: 'The time spent processing messages.' },
} as const;

/** Default prefix of the metrics no Dramatiq peer has (publishing, connections). */
export const DEFAULT_EXTRA_PREFIX = 'nestjs_dramatiq_';

/** Buckets of the publish confirm latency, in seconds. */
export const CONFIRM_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
