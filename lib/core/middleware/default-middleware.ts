import { AgeLimit } from './age-limit.js';
import { Callbacks } from './callbacks.js';
import type { Middleware } from './middleware.js';
import { Pipelines } from './pipelines.js';
import { Retries, type RetriesOptions } from './retries.js';
import { TimeLimit } from './time-limit.js';

/**
 * Dramatiq's default stack, in its order: AgeLimit, TimeLimit, Callbacks, Pipelines, Retries.
 * After-hooks run in reverse, so Retries decides first and Callbacks sees whether the message
 * ended up failed. CurrentMessage is opt-in, as in Dramatiq (it has a process-wide cost).
 */
export function defaultMiddleware(options: { retries?: RetriesOptions; timeLimit?: number } = {}): Middleware[] {
  return [
    new AgeLimit(),
    new TimeLimit(options.timeLimit),
    new Callbacks(),
    new Pipelines(),
    new Retries(options.retries),
  ];
}
