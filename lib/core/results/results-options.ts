import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';
import {
  MAX_TIMER_MS,
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkPlainObject,
} from '../options/option-checks.js';
import type { ResultBackend } from './result-backend.js';

/** The broker option `results`: where results go and the defaults of actors that set nothing. */
export interface ResultsOptions {
  /** Where results are stored and read: new RedisResultBackend({ url }) or new MemoryResultBackend(). */
  backend: ResultBackend;
  /** Store the results of actors that do not set storeResults themselves. Default false, as Dramatiq. */
  storeResults?: boolean;
  /** How long a result is kept, in ms, unless the actor (resultTtl) or message (result_ttl) says otherwise. Default 600000 (10 minutes). */
  resultTtl?: number;
  /** Largest result stored, in bytes of JSON; a larger one dead-letters its message. Default 1 MiB. */
  maxResultBytes?: number;
  /** Longest a store may take before the message is handled as failed (and retried), in ms. Default 10000. */
  storeTimeout?: number;
}

export interface ResultsSettings {
  readonly backend: ResultBackend;
  readonly storeResults: boolean;
  readonly resultTtl: number;
  readonly maxResultBytes: number;
  readonly storeTimeout: number;
}

export const RESULTS_DEFAULTS = {
  storeResults: false,
  resultTtl: 600_000,
  maxResultBytes: 1024 * 1024,
  storeTimeout: 10_000,
} as const;

const RESULTS_KEYS = ['backend', 'storeResults', 'resultTtl', 'maxResultBytes', 'storeTimeout'] as const;
const BACKEND_METHODS = ['keyFor', 'store', 'read', 'waitFor', 'close'] as const;

/** Validates the `results` option; undefined when results are not configured. */
export function resolveResultsSettings(options: ResultsOptions | undefined): ResultsSettings | undefined {
  if (options === undefined) return undefined;
  const given = checkPlainObject('results', options);
  checkKnownKeys('results', given, RESULTS_KEYS);
  const backend = options.backend as unknown;
  if (
    typeof backend !== 'object' ||
    backend === null ||
    BACKEND_METHODS.some((m) => typeof (backend as Record<string, unknown>)[m] !== 'function')
  ) {
    throw new InvalidBrokerOptionError(
      'results.backend',
      'a result backend (new RedisResultBackend({ url }) or new MemoryResultBackend())',
      backend,
    );
  }
  return {
    backend: options.backend,
    storeResults: checkBoolean('results.storeResults', options.storeResults ?? RESULTS_DEFAULTS.storeResults),
    resultTtl: checkInteger('results.resultTtl', options.resultTtl ?? RESULTS_DEFAULTS.resultTtl, 1),
    maxResultBytes: checkInteger(
      'results.maxResultBytes',
      options.maxResultBytes ?? RESULTS_DEFAULTS.maxResultBytes,
      4,
    ),
    storeTimeout: checkInteger(
      'results.storeTimeout',
      options.storeTimeout ?? RESULTS_DEFAULTS.storeTimeout,
      1,
      MAX_TIMER_MS,
    ),
  };
}
