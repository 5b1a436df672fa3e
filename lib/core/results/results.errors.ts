import { BrokerError } from '../errors/broker-error.js';

/** Which message a result belongs to, as errors name it. */
export interface ResultMessageRef {
  readonly queue_name: string;
  readonly actor_name: string;
  readonly message_id: string;
}

function describeMessage(message: ResultMessageRef): string {
  return `message ${message.message_id} (${message.actor_name})`;
}

/** Base class of the errors getResult raises; `code` tells them apart. */
export abstract class ResultError extends BrokerError {}

/** getResult without block: no result is stored (yet, or any more: results expire). */
export class ResultMissingError extends ResultError {
  constructor(readonly messageId: string) {
    super(
      'RESULT_MISSING',
      `No result is stored for message ${messageId}: the actor has not finished yet, does not store results ` +
        '(storeResults / store_results), or the result expired (resultTtl). Pass { block: true } to wait for it.',
    );
  }
}

/** getResult with block: the wait ended before a result was stored. */
export class ResultTimeoutError extends ResultError {
  constructor(
    message: ResultMessageRef,
    readonly timeoutMs: number,
  ) {
    super(
      'RESULT_TIMEOUT',
      `No result for ${describeMessage(message)} within ${timeoutMs} ms. The actor may still be running, be ` +
        'waiting for a retry, or not store results; raise the timeout or check the worker.',
    );
  }
}

/** The actor failed for good (dead-lettered): carries the error type and text it stored. */
export class ResultFailureError extends ResultError {
  constructor(
    /** Class name of the remote error: 'ValueError' from Python, 'TypeError' or your class name from Node. */
    readonly remoteType: string,
    /** The remote error's text. */
    readonly remoteMessage: string,
  ) {
    // The same sentence Dramatiq's ResultFailure carries, so logs read alike on both sides.
    super('RESULT_FAILURE', `actor raised ${remoteType}: ${remoteMessage}`);
  }
}

/** An actor returned something JSON cannot carry; the message is dead-lettered with this reason. */
export class ResultNotSerializableError extends ResultError {
  constructor(
    readonly actorName: string,
    readonly detail: string,
  ) {
    super(
      'RESULT_NOT_SERIALIZABLE',
      `The result of actor "${actorName}" cannot be stored as JSON: ${detail}. Return plain data ` +
        '(objects, arrays, strings, finite numbers, booleans, null), or turn the value into such data first.',
    );
  }
}

/** An actor returned a value larger than results.maxResultBytes once encoded. */
export class ResultTooLargeError extends ResultError {
  constructor(
    readonly actorName: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'RESULT_TOO_LARGE',
      `The result of actor "${actorName}" is ${bytes} bytes as JSON, more than results.maxResultBytes (${limit}). ` +
        'Store large data elsewhere and return a reference to it, or raise maxResultBytes.',
    );
  }
}

/** The stored value is not a JSON document (something other than Dramatiq wrote the key). */
export class ResultDecodeError extends ResultError {
  constructor(messageId: string, detail: string) {
    super(
      'RESULT_UNDECODABLE',
      `The result stored for message ${messageId} is not valid JSON (${detail}). Something other than a ` +
        'Dramatiq Results middleware wrote that key, or the two sides use different encoders.',
    );
  }
}

/** The result backend did not answer (Redis down, unreachable, or slower than the timeout). */
export class ResultBackendUnavailableError extends ResultError {
  constructor(what: string, detail: string, cause?: unknown) {
    super(
      'RESULT_BACKEND_UNAVAILABLE',
      `The result backend could not ${what}: ${detail}. Check that Redis runs and is reachable at the configured ` +
        'address. Results already stored are kept; call getResult again once it answers.',
      { cause },
    );
  }
}

/** getResult on a broker configured without a result backend. */
export class ResultsNotConfiguredError extends ResultError {
  constructor() {
    super(
      'RESULTS_NOT_CONFIGURED',
      'This broker has no result backend, so results are neither stored nor read. Configure one with the ' +
        "broker option results: { backend: new RedisResultBackend({ url: 'redis://127.0.0.1:6379' }) }.",
    );
  }
}
