/** Per-actor settings; message options override them, and they override middleware defaults. */
export interface ActorOptions {
  /** Actor name on the wire. Default: the method name. Must match [a-zA-Z_][a-zA-Z0-9._-]*. */
  actorName?: string;
  /** Queue the actor listens on. Default: the module's defaultQueueName. */
  queueName?: string;
  /** Dramatiq's worker-side priority hint (lower runs first); kept for parity, informational here. */
  priority?: number;
  /** Retries after the first failure. Default 20 (Retries middleware). */
  maxRetries?: number;
  /** Smallest retry backoff, ms. Default 15000. */
  minBackoff?: number;
  /** Largest retry backoff, ms. Default 7 days. */
  maxBackoff?: number;
  /** Longest a run may take, ms; then it fails with TimeLimitExceededError. Default 10 minutes. */
  timeLimit?: number;
  /** Messages older than this (ms since they were first sent) are dead-lettered unprocessed. */
  maxAge?: number;
  /** Errors of these classes are never retried: the message is dead-lettered at once. */
  throws?: ReadonlyArray<abstract new (...args: any[]) => Error>;
  /** Decides whether to retry: called with the retry count (1 for the first retry) and the error. */
  retryWhen?: (retries: number, error: unknown) => boolean;
  /** Store what the actor returns (or how it finally failed) in the result backend. Default: results.storeResults (false). Wire option store_results wins. */
  storeResults?: boolean;
  /** How long its results are kept, in ms. Default: results.resultTtl (10 minutes). Wire option result_ttl wins. */
  resultTtl?: number;
  /** Never pass this actor's result to the next pipeline step (Dramatiq's actor option pipe_ignore). Default false. */
  pipeIgnore?: boolean;
}
