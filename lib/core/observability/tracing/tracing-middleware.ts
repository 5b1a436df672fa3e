import type { Attributes, Context, Link, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { DramatiqMessage } from '../../message/message.js';
import type { MessageContext, Middleware } from '../../middleware/middleware.js';
import { canonicalQueueName, delayQueueName } from '../../topology/naming.js';
import type { ObservedBroker } from '../observed-broker.js';
import * as attr from './messaging-attributes.js';
import type { OpenTelemetryApiLike } from './opentelemetry-like.js';
import { extractTraceContext, injectTraceContext } from './trace-carrier.js';
import { TRACE_CONTEXT_KEY } from './trace-context-key.js';
import type { TracingApi } from './tracing-api.js';
import type { TracingOptions } from './tracing-options.js';

const TRACER_NAME = 'nestjs-dramatiq-broker';
/** Bound on spans remembered (a hook that threw may leave a run behind). */
const MAX_TRACKED = 100_000;

interface Running {
  readonly ctx: MessageContext;
  readonly span: Span;
  readonly context: Context;
}

/**
 * OpenTelemetry for sends and runs: a PRODUCER span per send ("send <queue>", ended at the
 * confirm) whose context travels in the message options, and a CONSUMER span per run
 * ("process <queue>", child of the send, the actor runs inside it). A retry's send is linked
 * to the run that failed; retries, dead-lettering and skips are span events. Without an SDK
 * the API hands out invalid spans and nothing is written into messages.
 * Create it with enableTracing().
 */
export class TracingMiddleware implements Middleware {
  readonly name = 'Tracing';
  private readonly tracer: Tracer;
  private readonly key: string;
  /**
   * Producer spans by the carrier object their message holds (copies of the message share it),
   * until the confirm or the failure. A Map, not a WeakMap: cheaper per send, and every send settles.
   */
  private readonly sending = new Map<object, Span>();
  /** The runs in progress by message id (a retry's send links to its run); Maps are cheaper than WeakMaps. */
  private readonly running = new Map<string, Running>();
  private readonly removers: (() => void)[] = [];
  private readonly api: TracingApi;

  /**
   * `api` is the @opentelemetry/api module (enableTracing() loads it). The parameter types are
   * our own look-alikes so that this declaration does not need @opentelemetry/api installed;
   * the real module and providers fit them, and are used with their real types from here on.
   */
  constructor(
    api: OpenTelemetryApiLike,
    private readonly broker: ObservedBroker,
    options: TracingOptions = {},
  ) {
    this.api = api as TracingApi;
    const provider = (options.tracerProvider as TracerProvider | undefined) ?? this.api.trace.getTracerProvider();
    this.tracer = provider.getTracer(TRACER_NAME);
    this.key = options.contextKey ?? TRACE_CONTEXT_KEY;
  }

  attach(): this {
    const { broker } = this;
    if (broker.middleware.indexOf(this) < 0) broker.middleware.unshift(this);
    const events = broker.events;
    this.removers.push(
      events.on('published', (e) => this.endSend(e.message, undefined)),
      events.on('publishFailed', (e) => this.endSend(e.message, e.error)),
      events.on('retried', (e) => {
        this.running.get(e.message.message_id)?.span.addEvent(attr.EVENT_RETRY, {
          [attr.DRAMATIQ_RETRIES]: e.retries,
          [attr.DRAMATIQ_DELAY_MS]: e.delayMs,
        });
      }),
    );
    return this;
  }

  detach(): void {
    for (const remove of this.removers.splice(0)) remove();
    const at = this.broker.middleware.indexOf(this);
    if (at >= 0) this.broker.middleware.splice(at, 1);
  }

  beforeEnqueue(message: DramatiqMessage, delay: number | undefined): DramatiqMessage | void {
    const { api } = this;
    const queue = canonicalQueueName(message.queue_name);
    const carried = message.options[this.key];
    const retries = typeof message.options.retries === 'number' ? message.options.retries : 0;
    const failedRun = retries > 0 ? this.running.get(message.message_id)?.span : undefined;
    let parent: Context;
    let links: Link[] | undefined;
    if (failedRun !== undefined) {
      // A retry: a sibling of the first attempt under the original send, linked to the run that failed.
      parent = carried !== undefined ? extractTraceContext(api, carried) : api.context.active();
      links = [{ context: failedRun.spanContext(), attributes: { [attr.LINK_RETRY_OF]: true } }];
    } else if (carried !== undefined) {
      // Sent again with its context (a delayed message moved from q.DQ to q, say): same trace.
      parent = extractTraceContext(api, carried);
    } else {
      parent = api.context.active();
    }
    const delayed = delay !== undefined && delay > 0;
    // Literal keys (the names in messaging-attributes.ts): computed ones make V8 build the object slowly.
    const attributes: Attributes = {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': '',
      'messaging.rabbitmq.destination.routing_key': delayed ? delayQueueName(queue) : queue,
      'messaging.message.id': message.message_id,
      'dramatiq.actor_name': message.actor_name,
    };
    if (retries > 0) attributes[attr.DRAMATIQ_RETRIES] = retries;
    if (delayed) attributes[attr.DRAMATIQ_DELAY_MS] = delay;
    const span = this.tracer.startSpan(`send ${queue}`, { kind: api.SpanKind.PRODUCER, attributes, links }, parent);
    const carrier = injectTraceContext(api, api.trace.setSpan(parent, span));
    if (carrier === undefined) {
      span.end();
      return;
    }
    if (delayed) span.addEvent(attr.EVENT_DELAYED, { [attr.DRAMATIQ_DELAY_MS]: delay });
    if (this.sending.size >= MAX_TRACKED) this.sending.delete(this.sending.keys().next().value as object);
    this.sending.set(carrier, span);
    return { ...message, options: { ...message.options, [this.key]: carrier } };
  }

  beforeProcess(ctx: MessageContext): void {
    const { api } = this;
    const { message } = ctx;
    const queue = canonicalQueueName(message.queue_name);
    const parent = extractTraceContext(api, message.options[this.key]);
    const attributes: Attributes = {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': '',
      'messaging.rabbitmq.destination.routing_key': queue,
      'messaging.message.id': message.message_id,
      'dramatiq.actor_name': message.actor_name,
    };
    const retries = message.options.retries;
    if (typeof retries === 'number' && retries > 0) attributes[attr.DRAMATIQ_RETRIES] = retries;
    const span = this.tracer.startSpan(`process ${queue}`, { kind: api.SpanKind.CONSUMER, attributes }, parent);
    if (!span.isRecording() && !api.trace.isSpanContextValid(span.spanContext())) return; // no SDK: nothing to track
    if (this.running.size >= MAX_TRACKED) this.running.delete(this.running.keys().next().value as string);
    this.running.set(message.message_id, { ctx, span, context: api.trace.setSpan(parent, span) });
  }

  /** The actor (and the middleware inside this one) runs with the consumer span active. */
  aroundProcess(ctx: MessageContext, next: () => Promise<unknown>): Promise<unknown> {
    const run = this.running.get(ctx.message.message_id);
    return run === undefined || run.ctx !== ctx ? next() : this.api.context.with(run.context, next);
  }

  /** Last of the after-hooks (this middleware is first in the stack): the outcome is known. */
  afterProcess(ctx: MessageContext): void {
    const run = this.finish(ctx);
    if (run === undefined) return;
    const { span } = run;
    if (ctx.error !== undefined) {
      if (ctx.error instanceof Error) span.recordException(ctx.error);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: describe(ctx.error) });
    }
    const deadLetter = ctx.failure ?? (ctx.error !== undefined && !ctx.retried ? describe(ctx.error) : undefined);
    if (deadLetter !== undefined) span.addEvent(attr.EVENT_DEAD_LETTER, { reason: deadLetter });
    span.end();
  }

  afterSkip(ctx: MessageContext): void {
    const run = this.finish(ctx);
    if (run === undefined) return;
    run.span.addEvent(attr.EVENT_SKIPPED, { reason: ctx.skipped ?? '' });
    if (ctx.failure !== undefined) run.span.addEvent(attr.EVENT_DEAD_LETTER, { reason: ctx.failure });
    run.span.end();
  }

  private finish(ctx: MessageContext): Running | undefined {
    const id = ctx.message.message_id;
    const run = this.running.get(id);
    if (run === undefined || run.ctx !== ctx) return undefined;
    this.running.delete(id);
    return run;
  }

  private endSend(message: DramatiqMessage, error: unknown): void {
    const carrier = message.options[this.key];
    if (carrier === null || typeof carrier !== 'object') return;
    const span = this.sending.get(carrier);
    if (span === undefined) return;
    this.sending.delete(carrier);
    if (error !== undefined) {
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: describe(error) });
    }
    span.end();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
