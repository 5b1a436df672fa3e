import { registerAs } from '@nestjs/config';
import { NAME_PATTERN } from 'nestjs-dramatiq-broker';

export type SampleRole = 'all' | 'api' | 'worker';

/** The sample's settings, read from the environment when the application starts. */
export interface SampleConfig {
  /** AMQP_URL (default amqp://guest:guest@127.0.0.1:5672). */
  amqpUrl: string;
  /** BROKER_STRATEGY: 'shared' (default: one connection, channels per role) or 'pooled'. */
  strategy: 'shared' | 'pooled';
  /** WORKER_CONCURRENCY: actor runs at once (default 4). */
  concurrency: number;
  /** ROLE: 'all' (default: sends and consumes), 'api' (only sends) or 'worker' (consumes). */
  role: SampleRole;
  /** QUEUE_NAME: queue of the sample's actors (default 'sample'). */
  queueName: string;
  /** REDIS_URL: where task results are stored (default redis://127.0.0.1:6379). */
  redisUrl: string;
}

export const DEFAULTS = {
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
  strategy: 'shared',
  concurrency: 4,
  role: 'all',
  queueName: 'sample',
  redisUrl: 'redis://127.0.0.1:6379',
} as const satisfies SampleConfig;

/** Reads and checks the sample's environment variables; a bad value stops the start with a clear message. */
export function parseSampleConfig(env: NodeJS.ProcessEnv): SampleConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const strategy = read('BROKER_STRATEGY') ?? DEFAULTS.strategy;
  if (strategy !== 'shared' && strategy !== 'pooled')
    problems.push(`BROKER_STRATEGY must be "shared" or "pooled" (got "${strategy}")`);

  const role = read('ROLE') ?? DEFAULTS.role;
  if (role !== 'all' && role !== 'api' && role !== 'worker')
    problems.push(`ROLE must be "all", "api" or "worker" (got "${role}")`);

  const concurrencyText = read('WORKER_CONCURRENCY');
  const concurrency = concurrencyText === undefined ? DEFAULTS.concurrency : Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    problems.push(`WORKER_CONCURRENCY must be an integer from 1 to 1000 (got "${concurrencyText}")`);
  }

  const queueName = read('QUEUE_NAME') ?? DEFAULTS.queueName;
  if (!NAME_PATTERN.test(queueName) || queueName.length > 200) {
    problems.push(`QUEUE_NAME must match ${NAME_PATTERN.source} and be at most 200 characters (got "${queueName}")`);
  }

  const amqpUrl = read('AMQP_URL') ?? DEFAULTS.amqpUrl;
  if (!/^amqps?:\/\//.test(amqpUrl)) problems.push('AMQP_URL must start with amqp:// or amqps://');

  const redisUrl = read('REDIS_URL') ?? DEFAULTS.redisUrl;
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');

  if (problems.length > 0) throw new Error(`Invalid sample configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    amqpUrl,
    strategy: strategy as SampleConfig['strategy'],
    concurrency,
    role: role as SampleRole,
    queueName,
    redisUrl,
  };
}

/** Injected with @Inject(sampleConfig.KEY); parsed once, when the application starts. */
export const sampleConfig = registerAs('sample', (): SampleConfig => parseSampleConfig(process.env));
