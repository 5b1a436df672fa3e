import type { ActorDefinition } from '../actor/actor-definition.js';
import { ActorArgumentsError } from '../actor/bind-arguments.js';
import type { DeadLetterCause } from '../dead-letters/dead-letter-reason.js';
import type { DramatiqMessage } from '../message/message.js';
import { MessageContext, type Middleware, type MiddlewareHost } from '../middleware/middleware.js';
import { errorSummary } from '../middleware/retries.js';
import { LinkedList } from '../util/linked-list.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';

/** A middleware hook that threw while a message was handled: which one, and its error. */
export interface HookFailure {
  /** The middleware's `name`. */
  readonly middleware: string;
  readonly hook: 'beforeProcess' | 'afterProcess' | 'afterSkip';
  /** The error, as "Name: message". */
  readonly error: string;
  /** The error itself, for the dead-lettered copy. */
  readonly cause?: unknown;
}

/** What to do with the delivery once the message was handled. */
export type Outcome =
  | { kind: 'ack' }
  /** `cause` is what the dead-lettered copy says; the log line says `reason`. */
  | { kind: 'dead-letter'; reason: string; cause?: DeadLetterCause }
  /**
   * Something went wrong around the actor (a retry could not be published, say): let RabbitMQ
   * deliver it again. `hookFailure` is set when a middleware hook threw: the worker counts those
   * per message and dead-letters the message after `maxMiddlewareFailures` of them.
   */
  | { kind: 'requeue'; reason: string; hookFailure?: HookFailure };

/**
 * Runs one message through the middleware and its actor. It never throws: every path ends
 * in an Outcome, so the consumer always acks or nacks and the worker keeps going.
 *
 * This runs once per message, so it avoids per-message work that does not change the result:
 * a hook's return value is awaited only when it is a thenable (every `await` is a microtask,
 * and a promise-hook call while an AsyncLocalStorage is active), and a worker signal gets one
 * abort listener shared by all runs instead of one per message.
 */
export class MessageProcessor {
  /** Copy of the last middleware list seen, reused while the list holds the same entries. */
  private snapshot: readonly Middleware[] = [];
  private snapshotOf: readonly Middleware[] | undefined;

  constructor(
    private readonly middleware: () => readonly Middleware[],
    private readonly host: MiddlewareHost,
  ) {}

  async process(message: DramatiqMessage, actor: ActorDefinition, signal?: AbortSignal): Promise<Outcome> {
    const stack = this.middleware();
    const ctx = new MessageContext(message, actor, this.host);
    const running = signal === undefined ? undefined : runningUnder(signal);
    let entry: RunningEntry | undefined;
    if (running !== undefined) running.push((entry = { ctx, prev: undefined, next: undefined }));
    // The hook being called, named in the outcome when it throws (one assignment per call: cheap).
    let hook: HookFailure['hook'] = 'beforeProcess';
    let current: Middleware | undefined;
    try {
      // The live list, as a for-of over it would read it.
      for (let i = 0; i < stack.length; i++) {
        current = stack[i];
        const pending = current.beforeProcess?.(ctx);
        if (isThenable(pending)) await pending;
        if (ctx.skipped) break;
      }
      if (ctx.skipped) {
        hook = 'afterSkip';
        const after = this.entries(stack);
        for (let i = after.length - 1; i >= 0; i--) {
          current = after[i];
          const pending = current.afterSkip?.(ctx);
          if (isThenable(pending)) await pending;
        }
        const events = this.host.events;
        if (events?.has('skipped')) {
          events.emit('skipped', {
            message,
            queueName: message.queue_name,
            actorName: actor.name,
            reason: ctx.skipped,
            durationMs: Date.now() - ctx.receivedAt,
          });
        }
        return ctx.failure !== undefined ? deadLetter(ctx.failure, ctx.failureReason, ctx.error) : { kind: 'ack' };
      }

      // The onion: the first middleware with aroundProcess is the outermost.
      const around = this.entries(stack);
      let run: () => Promise<unknown> = () => actor.invoke(message.args, message.kwargs);
      for (let i = around.length - 1; i >= 0; i--) {
        const m = around[i];
        if (m.aroundProcess) {
          const next = run;
          run = () => m.aroundProcess!(ctx, next);
        }
      }
      try {
        const pending: unknown = run();
        ctx.result = isThenable(pending) ? await pending : pending;
      } catch (error) {
        // Abandoned because the worker is shutting down: not a failure of the message. It goes
        // back to the queue as it is; a retry copy on top of that would run it twice.
        if (signal?.aborted) return { kind: 'requeue', reason: 'abandoned by worker shutdown' };
        ctx.error = error ?? new Error('actor threw a nullish value');
        // Calling with arguments the function cannot take will never work: no retries.
        if (error instanceof ActorArgumentsError) ctx.fail(error.message, 'not_retried');
      }
      // Read again: a middleware added while the actor ran takes part from here on.
      hook = 'afterProcess';
      const after = this.entries(stack);
      for (let i = after.length - 1; i >= 0; i--) {
        current = after[i];
        const pending = current.afterProcess?.(ctx);
        if (isThenable(pending)) await pending;
      }

      const events = this.host.events;
      if (events !== undefined) reportRun(events, ctx);
      if (ctx.failure !== undefined) return deadLetter(ctx.failure, ctx.failureReason, ctx.error);
      // An error nobody retried must not vanish with an ack.
      if (ctx.error !== undefined && !ctx.retried)
        return deadLetter(errorSummary(ctx.error), 'error_not_retried', ctx.error);
      return { kind: 'ack' };
    } catch (hookError) {
      const error = errorSummary(hookError);
      const middleware = current?.name ?? 'unknown';
      const reason = `middleware ${middleware}.${hook} failed: ${error}`;
      // Thrown while the worker shuts down (a hook waiting on the aborted run, say): not counted
      // against the message, as a run abandoned by shutdown is not.
      if (signal?.aborted) return { kind: 'requeue', reason };
      return { kind: 'requeue', reason, hookFailure: { middleware, hook, error, cause: hookError } };
    } finally {
      if (entry !== undefined) running!.remove(entry);
    }
  }

  /**
   * The list's entries as they are now, in a copy that hooks adding or removing middleware cannot
   * change mid-loop. The copy is rebuilt only when an entry changed (the list is short).
   */
  private entries(stack: readonly Middleware[]): readonly Middleware[] {
    const copy = this.snapshot;
    if (this.snapshotOf === stack && copy.length === stack.length) {
      let same = true;
      for (let i = 0; i < copy.length; i++) {
        if (copy[i] !== stack[i]) {
          same = false;
          break;
        }
      }
      if (same) return copy;
    }
    this.snapshotOf = stack;
    return (this.snapshot = stack.slice());
  }
}

function deadLetter(reason: string, kind: DeadLetterCause['reason'] | undefined, error: unknown): Outcome {
  return { kind: 'dead-letter', reason, cause: { reason: kind ?? 'failed', error } };
}

/** 'succeeded' or 'failed' for a run that reached the end of its after-hooks (when listened to). */
function reportRun(events: BrokerEvents, ctx: MessageContext): void {
  const { message, actor } = ctx;
  if (ctx.error === undefined) {
    if (!events.has('succeeded')) return;
    events.emit('succeeded', {
      message,
      queueName: message.queue_name,
      actorName: actor.name,
      result: ctx.result,
      durationMs: Date.now() - ctx.receivedAt,
    });
  } else if (events.has('failed')) {
    events.emit('failed', {
      message,
      queueName: message.queue_name,
      actorName: actor.name,
      error: ctx.error,
      durationMs: Date.now() - ctx.receivedAt,
      retried: ctx.retried,
    });
  }
}

/** A run in progress under a worker signal: aborted with it. */
interface RunningEntry {
  readonly ctx: MessageContext;
  prev: RunningEntry | undefined;
  next: RunningEntry | undefined;
}

/** The runs in progress under each worker signal, in the order they started. */
const runsBySignal = new WeakMap<AbortSignal, LinkedList<RunningEntry>>();

/**
 * The list to register a run in so that `signal` aborting aborts its context; one 'abort'
 * listener per signal (EventTarget listeners are costly to add and remove per message).
 * Undefined when the signal has already aborted: a listener added then never fires, so a run
 * started after the abort keeps an unaborted context, as it did with a listener per run.
 */
function runningUnder(signal: AbortSignal): LinkedList<RunningEntry> | undefined {
  if (signal.aborted) return undefined;
  let running = runsBySignal.get(signal);
  if (running === undefined) {
    const runs = new LinkedList<RunningEntry>();
    signal.addEventListener(
      'abort',
      () => {
        // A copy: aborting one run may end others.
        for (const entry of runs.toArray()) entry.ctx.abort(signal.reason);
      },
      { once: true },
    );
    runsBySignal.set(signal, runs);
    running = runs;
  }
  return running;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
