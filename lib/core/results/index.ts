export * from './results.errors.js';
export type { ResultBackend } from './result-backend.js';
export { resultKey, resultKeySource, DEFAULT_RESULT_NAMESPACE, type ResultKeyOptions } from './result-key.js';
export { encodeResult, encodeFailure, decodeResult, FAILURE_MARKER, type StoredResult } from './result-codec.js';
export {
  getResult,
  DEFAULT_RESULT_TIMEOUT,
  type GetResultOptions,
  type SentMessage,
  type TypedMessage,
  type TypedMessageRef,
} from './get-result.js';
export { Results } from './results-middleware.js';
export { RESULTS_DEFAULTS, type ResultsOptions, type ResultsSettings } from './results-options.js';
export { MemoryResultBackend } from './backends/memory-backend.js';
export { RedisResultBackend, type RedisResultBackendOptions } from './backends/redis-backend.js';
export {
  DEFAULT_REDIS_URL,
  DEFAULT_REDIS_COMMAND_TIMEOUT,
  type RedisClientLike,
  type RedisConnectionOptions,
} from '../redis/redis-connection-options.js';
