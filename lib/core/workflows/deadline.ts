import { DEFAULT_RESULT_TIMEOUT, type GetResultOptions } from '../results/get-result.js';

/**
 * One timeout shared by a series of result reads: each blocking read gets what is left of it,
 * so reading N results waits `timeout` in all, not N times. Without block, nothing changes.
 */
export function sharedDeadline(options: GetResultOptions): () => GetResultOptions {
  if (!options.block) return () => options;
  const end = Date.now() + (options.timeout ?? DEFAULT_RESULT_TIMEOUT);
  return () => ({ block: true, timeout: Math.max(0, end - Date.now()) });
}
