import type { DramatiqMessage } from '../message/message.js';
import type { ResultBackend } from './result-backend.js';
import { decodeResult } from './result-codec.js';
import { ResultFailureError, ResultMissingError, ResultTimeoutError, type ResultMessageRef } from './results.errors.js';

/** Dramatiq's default wait for a blocking getResult, in ms. */
export const DEFAULT_RESULT_TIMEOUT = 10_000;

export interface GetResultOptions {
  /** Wait for the result when it is not there yet. Default false: ResultMissingError at once. */
  block?: boolean;
  /** With block: the longest wait, in ms (then ResultTimeoutError). Default 10000. */
  timeout?: number;
}

// Type-only marker: carries an actor's return type on a sent message, never present at runtime.
declare const RESULT_TYPE: unique symbol;

/** A message reference that knows the type of its actor's result (as TaskQueue.send returns). */
export type TypedMessageRef<R> = ResultMessageRef & { readonly [RESULT_TYPE]?: R };

/** A message whose actor returns R: built (broker.message) or sent (broker.send). */
export type TypedMessage<R = unknown> = DramatiqMessage & TypedMessageRef<R>;

/** A sent message whose actor returns R. */
export type SentMessage<R = unknown> = TypedMessage<R>;

/**
 * The result of `message`: its actor's return value, or ResultFailureError when it failed for
 * good, ResultMissingError / ResultTimeoutError when there is none (yet).
 */
export async function getResult<R = unknown>(
  backend: ResultBackend,
  message: TypedMessageRef<R>,
  options: GetResultOptions = {},
): Promise<R> {
  const key = backend.keyFor(message);
  let document: string | undefined;
  if (options.block) {
    const timeout = options.timeout ?? DEFAULT_RESULT_TIMEOUT;
    if (!Number.isFinite(timeout) || timeout < 0) {
      throw new RangeError(`getResult timeout must be a number of ms >= 0, got ${timeout}`);
    }
    document = await backend.waitFor(key, timeout);
    if (document === undefined) throw new ResultTimeoutError(message, timeout);
  } else {
    document = await backend.read(key);
    if (document === undefined) throw new ResultMissingError(message.message_id);
  }
  const stored = decodeResult(document, message.message_id);
  if (stored.kind === 'failure') throw new ResultFailureError(stored.type, stored.message);
  return stored.value as R;
}
