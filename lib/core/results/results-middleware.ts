import type { MessageContext, Middleware } from '../middleware/middleware.js';
import { TimeoutGroup } from '../util/timeout-group.js';
import { describeFailure, encodeFailure, encodeResult } from './result-codec.js';
import type { ResultsSettings } from './results-options.js';
import { ResultBackendUnavailableError, ResultNotSerializableError, ResultTooLargeError } from './results.errors.js';

/**
 * Dramatiq's Results middleware: stores what an actor returned, or how it finally failed,
 * for actors with storeResults (message option store_results wins), kept resultTtl ms.
 *
 * - A success is stored inside the run (aroundProcess), so the message is acked only after
 *   its result is in the backend. A store that fails (backend down, storeTimeout) fails the
 *   run: Retries retries the message later, and the actor runs again.
 * - A value JSON cannot carry, or larger than maxResultBytes, dead-letters the message, and
 *   that failure is stored in its place so waiters learn why.
 * - A failure is stored once the message is dead-lettered, never for a run that is retried.
 *   If that store fails the message is requeued rather than dead-lettered without it.
 *
 * It must sit before Retries in the stack (after-hooks run in reverse), which the broker does.
 */
export class Results implements Middleware {
  readonly name = 'Results';
  private readonly warnedActors = new Set<string>();
  /** storeTimeout for every store, on one timer (a timer per stored result showed in profiles). */
  private readonly storeDeadlines: TimeoutGroup;

  constructor(readonly settings: ResultsSettings) {
    this.storeDeadlines = new TimeoutGroup(settings.storeTimeout);
  }

  aroundProcess(ctx: MessageContext, next: () => Promise<unknown>): Promise<unknown> {
    if (!this.stores(ctx)) return this.warnIfDiscarded(ctx, next());
    // Plain promises, not async closures: this runs for every message whose result is stored.
    return next().then((value) =>
      // A run abandoned (time limit, shutdown) that finishes late must not overwrite what its
      // retry or its final failure stores.
      ctx.aborted ? value : this.storeValue(ctx, value).then(() => value),
    );
  }

  /** Not async: a message whose actor stores nothing (most of them) costs no promise. */
  afterProcess(ctx: MessageContext): Promise<void> | void {
    if (ctx.retried || (ctx.error === undefined && ctx.failure === undefined) || !this.stores(ctx)) return;
    const { type, message } = describeFailure(ctx.error, ctx.failure);
    return this.store(ctx, encodeFailure(type, message), 'store the failure of');
  }

  /** Skipped (by AgeLimit, say): a failure if it is dead-lettered, else null, as Dramatiq. */
  afterSkip(ctx: MessageContext): Promise<void> | void {
    if (!this.stores(ctx)) return;
    const document =
      ctx.failure !== undefined ? encodeFailure('Failure', ctx.failure) : encodeResult(null, ctx.actor.name);
    return this.store(ctx, document, 'store the result of');
  }

  private storeValue(ctx: MessageContext, value: unknown): Promise<void> {
    let document: string;
    try {
      document = encodeResult(value, ctx.actor.name, this.settings.maxResultBytes);
    } catch (err) {
      if (err instanceof ResultNotSerializableError || err instanceof ResultTooLargeError) {
        // Dead-letter (no retry: the same value would come back), and tell waiters why.
        ctx.fail(err.message);
      }
      return Promise.reject(err);
    }
    return this.store(ctx, document, 'store the result of');
  }

  private store(ctx: MessageContext, document: string, what: string): Promise<void> {
    const { backend, storeTimeout } = this.settings;
    const key = backend.keyFor(ctx.message);
    const stored = this.storeDeadlines.bound(
      backend.store(key, document, this.ttl(ctx)),
      () =>
        new ResultBackendUnavailableError(
          `${what} message ${ctx.message.message_id} (${ctx.actor.name})`,
          `no answer within ${storeTimeout} ms (results.storeTimeout)`,
        ),
    );
    const events = ctx.host.events;
    if (!events?.has('resultStored')) return stored;
    const { message, actor } = ctx;
    return stored.then(() =>
      events.emit('resultStored', { message, queueName: message.queue_name, actorName: actor.name }),
    );
  }

  private stores(ctx: MessageContext): boolean {
    return ctx.option('store_results', ctx.actor.options.storeResults, this.settings.storeResults) === true;
  }

  private ttl(ctx: MessageContext): number {
    const ttl = ctx.option('result_ttl', ctx.actor.options.resultTtl, this.settings.resultTtl);
    // A wire value is not validated upstream: anything but a positive number gets the default.
    return typeof ttl === 'number' && ttl >= 1 ? Math.floor(ttl) : this.settings.resultTtl;
  }

  /** As Dramatiq: a value returned by an actor that stores nothing is worth one warning per actor. */
  private warnIfDiscarded(ctx: MessageContext, run: Promise<unknown>): Promise<unknown> {
    if (this.warnedActors.has(ctx.actor.name)) return run;
    return run.then((value) => {
      if (value !== undefined && value !== null && ctx.message.options.pipe_target === undefined) {
        if (!this.warnedActors.has(ctx.actor.name)) {
          this.warnedActors.add(ctx.actor.name);
          ctx.host.logger.warn(
            `Actor "${ctx.actor.name}" returned a value but does not store results (storeResults), so it was ` +
              'discarded. Set storeResults: true on the actor to keep it; this is said once per actor.',
          );
        }
      }
      return value;
    });
  }
}
