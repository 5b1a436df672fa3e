/**
 * Why a message was dead-lettered, in the form written on the copy that goes to q.XQ: inside
 * the body's `options.dead_letter` (Python Dramatiq ignores option keys it does not know) and,
 * for every copy (the only place an undecodable body can carry it), in the AMQP header
 * `x-dramatiq-dead-letter`. Field names are snake_case, as Dramatiq's own options.
 */

/** The message option that carries the record. */
export const DEAD_LETTER_OPTION = 'dead_letter';
/** The AMQP header (a table) that carries the same record. */
export const DEAD_LETTER_HEADER = 'x-dramatiq-dead-letter';

export const DEAD_LETTER_REASONS = [
  /** The actor failed and its retries (max_retries) are spent. */
  'retries_exceeded',
  /** The actor failed with an error its Retries settings do not retry (throws list, retryWhen). */
  'not_retried',
  /** The actor's last run exceeded its time limit and it was not retried again. */
  'time_limit',
  /** AgeLimit: older than max_age when it was received; the actor did not run. */
  'age_limit',
  /** No actor of that name in the worker that received it. */
  'unknown_actor',
  /** The body is not a Dramatiq message (not JSON, wrong fields, too large). */
  'undecodable_body',
  /** A middleware hook kept throwing (worker.maxMiddlewareFailures). */
  'middleware_failure',
  /** The actor failed and no middleware retried it (no Retries middleware, say). */
  'error_not_retried',
  /** A middleware failed the message for a reason of its own. */
  'failed',
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** What the worker knows when it decides to dead-letter; `reason` defaults from the error. */
export interface DeadLetterCause {
  readonly reason: DeadLetterReason;
  /** The error behind it, when there is one (the actor's, a hook's). */
  readonly error?: unknown;
}

/** The record written on the dead-lettered copy (`options.dead_letter`). */
export interface DeadLetterRecord {
  reason: DeadLetterReason;
  /** The sentence of the worker's log line ("retries exceeded (3) after Error: boom"). */
  detail: string;
  /** The error's class name ("TypeError"), or null when no error was involved. */
  error_type: string | null;
  error_message: string | null;
  /** When it was dead-lettered, ms since the epoch (as message_timestamp). */
  at: number;
  /** How many times the message was handled: retries + 1. */
  attempts: number;
  /** Connection name of the worker that dead-lettered it. */
  worker: string;
  /** Queue it was consumed from (q, or q.DQ for a delayed message). */
  queue: string;
}

/** Long texts are cut: the record travels with every copy and shows in the dashboard. */
export const MAX_DETAIL_CHARS = 2_000;

export function truncate(text: string, max = MAX_DETAIL_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}... [truncated]` : text;
}

/**
 * A time limit that ended the last run is the real cause, even when it is Retries that gave up:
 * its error says so (TimeLimitExceededError's code; matched by code so this layer imports no middleware).
 */
export function refineReason(reason: DeadLetterReason, error: unknown): DeadLetterReason {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  const timedOut = code === 'TIME_LIMIT_EXCEEDED';
  if (timedOut && (reason === 'retries_exceeded' || reason === 'not_retried' || reason === 'error_not_retried')) {
    return 'time_limit';
  }
  return reason;
}

export function buildRecord(input: {
  cause: DeadLetterCause;
  detail: string;
  attempts: number;
  worker: string;
  queue: string;
  at?: number;
}): DeadLetterRecord {
  const { error } = input.cause;
  const isError = error instanceof Error;
  return {
    reason: refineReason(input.cause.reason, error),
    detail: truncate(input.detail),
    error_type: error === undefined ? null : isError ? error.name : typeof error,
    error_message: error === undefined ? null : truncate(isError ? error.message : String(error)),
    at: input.at ?? Date.now(),
    attempts: input.attempts,
    worker: input.worker,
    queue: input.queue,
  };
}

/** Reads a record back from an option value or a header table; undefined when it is not one. */
export function parseRecord(value: unknown): DeadLetterRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.reason !== 'string') return undefined;
  const text = (x: unknown) => (x === undefined || x === null ? null : String(x));
  return {
    reason: v.reason as DeadLetterReason,
    detail: String(v.detail ?? ''),
    error_type: text(v.error_type),
    error_message: text(v.error_message),
    at: Number(v.at ?? 0),
    attempts: Number(v.attempts ?? 0),
    worker: String(v.worker ?? ''),
    queue: String(v.queue ?? ''),
  };
}

/** The record as an AMQP header table: nulls left out (AMQP tables have a void type amqplib handles poorly). */
export function recordHeader(record: DeadLetterRecord): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(record)) if (value !== null) out[key] = value as string | number;
  return out;
}
