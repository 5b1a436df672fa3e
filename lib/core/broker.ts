import { inspect } from 'node:util';
import { ActorDefinition } from './actor/actor-definition.js';
import type { ActorOptions } from './actor/actor-options.js';
import { queueForActor, resolveQueueName } from './actor/actor-queue.js';
import { ActorRegistry } from './actor/actor-registry.js';
import type {
  ChannelLease,
  ChannelRole,
  ConnectionHolder,
  ConsumerLease,
  QueueLease,
} from './connection/connection-holder.js';
import type { ConnectionInfo } from './connection/connection-info.js';
import { createConnectionHolder } from './connection/create-connection-holder.js';
import { DeadLetters } from './dead-letters/dead-letters.js';
import type { ConsumerRoom } from './errors/pool.errors.js';
import { assessHealth, type BrokerHealth } from './health/broker-health.js';
import type { BrokerLogger } from './logging/broker-logger.js';
import { createMessage, type DramatiqMessage, type MessageOptions } from './message/message.js';
import { defaultMiddleware } from './middleware/default-middleware.js';
import type { Middleware, MiddlewareHost } from './middleware/middleware.js';
import { BrokerEvents } from './observability/events/broker-events.js';
import type { BrokerOptions } from './options/broker-options.js';
import { type BrokerSettings, resolveBrokerSettings } from './options/broker-settings.js';
import { MESSAGING_OPTION_KEYS, type MessagingOptions } from './options/messaging-options.js';
import { type MessagingSettings, resolveMessagingSettings } from './options/messaging-settings.js';
import { Enqueuer, type EnqueueOptions } from './publishing/enqueuer.js';
import { type PublishStats, Publisher } from './publishing/publisher.js';
import { QueueDeclarer } from './queues/queue-declarer.js';
import { QueueAdmin, type QueueMessageCounts, type JoinOptions, type QueueStats } from './queues/queue-admin.js';
import { CONSUMER_RESTART } from './policies/retry-policies.js';
import type { Topology } from './topology/topology.js';
import { MessageProcessor } from './worker/message-processor.js';
import type { WorkerHost } from './worker/worker-host.js';
import { Worker } from './worker/worker.js';
import type { WorkerOptions } from './worker/worker-options.js';
import { getResult, type GetResultOptions, type SentMessage, type TypedMessageRef } from './results/get-result.js';
import type { ResultBackend } from './results/result-backend.js';
import { Results } from './results/results-middleware.js';
import { resolveResultsSettings, type ResultsOptions } from './results/results-options.js';
import {
  ResultFailureError,
  ResultMissingError,
  ResultsNotConfiguredError,
  ResultTimeoutError,
} from './results/results.errors.js';
import type { ResultAwaitedEvent } from './observability/events/event-types.js';
import { Retries } from './middleware/retries.js';
import { GroupCallbacks } from './middleware/group-callbacks.js';
import { groupCallbacksFromOption, type GroupCallbacksOption } from './middleware/group-callbacks-option.js';
import type { TypedMessage } from './results/get-result.js';
import { Group, type GroupMember, type ResultsOf } from './workflows/group.js';
import { Pipeline, type LastResult, type PipelineStep } from './workflows/pipeline.js';

export interface DramatiqBrokerOptions extends BrokerOptions, MessagingOptions {
  /** Stores actor results (Dramatiq's Results middleware) in this backend; see docs/results.md. Default: none. */
  results?: ResultsOptions;
  /**
   * Runs group completion callbacks (Dramatiq's GroupCallbacks middleware) with barriers in this
   * backend: new RedisRateLimiterBackend({ url }) to share them with Python workers. Default: none.
   */
  groupCallbacks?: GroupCallbacksOption;
}

/**
 * 'shared': the publish cap while workers run grows by maxPublishesWhileConsuming per consumed
 * queue, up to this many queues (a worker of 100 queues measured 6,700 msg/s end to end held to
 * 200 in flight, 9,700 with 1,000).
 */
const CAP_QUEUES_COUNTED = 5;

/** What a message to an actor by name is made of; everything has a default. */
export type MessageInput = Omit<SendOptions, 'delay'>;

/** What a send needs besides the actor: everything has a default. */
export interface SendOptions extends EnqueueOptions {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /**
   * Queue of the target actor; default: the local actor's queue, else defaultQueueName.
   * "default" means defaultQueueName, as it does for actors.
   */
  queueName?: string;
  /** Wire options: broker_priority, max_retries, on_success, on_failure, time_limit, ... */
  options?: MessageOptions;
}

/**
 * The framework-free broker: the composition root of connections (by strategy), topology,
 * publishing, actors and middleware. Usable without NestJS; the Nest module wraps it.
 */
export class DramatiqBroker implements MiddlewareHost, WorkerHost {
  readonly settings: BrokerSettings;
  readonly messaging: MessagingSettings;
  readonly actors = new ActorRegistry();
  readonly middleware: Middleware[];
  readonly processor: MessageProcessor;
  /** What happened to messages and connections: see BrokerEventMap. */
  readonly events: BrokerEvents;
  private readonly holder: ConnectionHolder;
  private readonly declarer: QueueDeclarer;
  private readonly enqueuer: Enqueuer;
  private readonly publisher: Publisher;
  private runningWorkers = 0;
  /** Queues consumed by the running workers (the shared publish cap grows with them). */
  private consumedQueues = 0;
  private readonly admin: QueueAdmin;
  /** Where results are stored and read; undefined when the `results` option is not set. */
  readonly resultBackend: ResultBackend | undefined;
  /** The dead letters (q.XQ) of any queue: list, get, requeue, purge, export. */
  readonly deadLetters: DeadLetters;

  constructor(options: DramatiqBrokerOptions, extraOptionKeys: readonly string[] = []) {
    this.settings = resolveBrokerSettings(options, [
      ...MESSAGING_OPTION_KEYS,
      'results',
      'groupCallbacks',
      ...extraOptionKeys,
    ]);
    this.messaging = resolveMessagingSettings(options);
    this.middleware = this.messaging.middleware ? [...this.messaging.middleware] : defaultMiddleware();
    const results = resolveResultsSettings(options.results);
    if (results) {
      this.resultBackend = results.backend;
      if (!this.middleware.some((m) => m instanceof Results))
        insertBeforeRetries(this.middleware, new Results(results));
    }
    const groupCallbacks = groupCallbacksFromOption(options.groupCallbacks);
    // Last, as Dramatiq's add_middleware puts it; a GroupCallbacks given in `middleware` wins.
    if (groupCallbacks && !this.middleware.some((m) => m instanceof GroupCallbacks))
      this.middleware.push(groupCallbacks);
    this.events = new BrokerEvents((name, error) =>
      this.logger.error(`A listener of the broker event '${name}' failed: ${describeError(error)}`),
    );
    this.holder = createConnectionHolder(this.settings, this.events);
    this.declarer = new QueueDeclarer(this.holder, this.messaging.topology, this.logger);
    const { producers, producerSharing } = this.settings.pools;
    this.publisher = new Publisher(
      this.holder,
      this.declarer,
      this.messaging,
      this.logger,
      producers * producerSharing,
    );
    this.enqueuer = new Enqueuer(this.publisher, this.messaging.topology, () => this.middleware, this.events);
    this.processor = new MessageProcessor(() => this.middleware, this);
    this.admin = new QueueAdmin(this.holder, this.declarer, this.messaging.topology);
    this.deadLetters = new DeadLetters(this);
  }

  get strategy() {
    return this.holder.strategy;
  }

  /** What console.log / util.inspect show: a summary, never the objects that hold credentials. */
  [inspect.custom](): string {
    return `DramatiqBroker ${inspect({ strategy: this.strategy, connections: this.connections(), actors: this.actors.all().map((a) => a.name) }, { depth: 3 })}`;
  }

  get logger(): BrokerLogger {
    return this.settings.logger;
  }

  get topology(): Topology {
    return this.messaging.topology;
  }

  get defaultQueueName(): string {
    return this.messaging.defaultQueueName;
  }

  get maxMessageBytes(): number {
    return this.messaging.maxMessageBytes;
  }

  get restartDelayMs(): number {
    const { minConnectionDelay, maxConnectionDelay } = CONSUMER_RESTART;
    return Math.max(minConnectionDelay, Math.min(this.settings.connection.retry.intervalMax, maxConnectionDelay));
  }

  // --- connections -------------------------------------------------------------------

  /** Lends a channel of the given role; see ConnectionHolder.acquire. */
  acquire(role: ChannelRole): Promise<ChannelLease> {
    return this.holder.acquire(role);
  }

  /** A consumer channel for a worker's queue consumer. @internal */
  acquireConsumer(): Promise<ConsumerLease> {
    return this.holder.acquireConsumer();
  }

  /** @internal WorkerHost: room for more consumers, checked before a worker starts. */
  consumerRoom(): ConsumerRoom {
    return this.holder.consumerRoom();
  }

  /** @internal WorkerHost / dead letters: a connection for queue and operator channels. */
  acquireForQueues(): Promise<QueueLease> {
    return this.holder.acquireForQueues();
  }

  /** Opens a connection now rather than at first use. */
  connect(): Promise<void> {
    return this.holder.connect();
  }

  /** Open connections with their role, name, state and channel count. */
  connections(): ConnectionInfo[] {
    return this.holder.connections();
  }

  /** Health from the connections already open; never opens one. */
  health(): BrokerHealth {
    return assessHealth(this.holder.strategy, this.holder.connections(), this.holder.lastFailure);
  }

  /** Closes every connection. Idempotent; the broker reconnects on its next use. */
  async close(): Promise<void> {
    const groupCallbacks = this.middleware.find((m): m is GroupCallbacks => m instanceof GroupCallbacks);
    this.publisher.close();
    await Promise.all([this.holder.close(), this.resultBackend?.close(), groupCallbacks?.backend.close()]);
    this.declarer.forgetAll();
  }

  // --- actors and middleware -----------------------------------------------------------

  /**
   * Registers a function as an actor (the Nest module does this for @Actor() methods).
   * `origin` names it in errors; `parameterSource` is the unbound function, when `handler`
   * is bound, so keyword arguments can be matched by parameter name.
   */
  registerActor(
    name: string,
    handler: (...args: any[]) => unknown,
    options: ActorOptions = {},
    meta: { origin?: string; parameterSource?: (...args: any[]) => unknown } = {},
  ): ActorDefinition {
    const queueName = resolveQueueName(options.queueName, this.defaultQueueName);
    const actor = new ActorDefinition(name, queueName, options, handler, meta.parameterSource);
    this.actors.register(actor, meta.origin);
    return actor;
  }

  getActor(name: string): ActorDefinition | undefined {
    return this.actors.get(name);
  }

  addMiddleware(middleware: Middleware): void {
    this.middleware.push(middleware);
  }

  /**
   * With 'shared', publishes and the consumers' acks travel on one connection, and RabbitMQ's
   * flow control throttles the whole connection: while a worker runs, publishes in flight are
   * capped so that a publishing burst cannot starve the acks. Each queue process grants its own
   * credit, so the cap is maxPublishesWhileConsuming per consumed queue, for up to
   * CAP_QUEUES_COUNTED queues: 200 for a worker of one queue, 1,000 for one of 5 or more. Not
   * more: a burst to one queue still throttles the whole connection.
   * Called by the broker's workers as they start and stop.
   * @internal
   */
  workerRunning(running: boolean, queueCount: number): void {
    this.runningWorkers = Math.max(0, this.runningWorkers + (running ? 1 : -1));
    this.consumedQueues =
      this.runningWorkers === 0 ? 0 : Math.max(0, this.consumedQueues + (running ? 1 : -1) * queueCount);
    const cap = this.settings.pools.publishesWhileConsuming;
    if (cap !== undefined)
      this.publisher.limitInFlight(
        this.runningWorkers > 0 ? cap * Math.min(CAP_QUEUES_COUNTED, Math.max(1, this.consumedQueues)) : undefined,
      );
  }

  /** Sends holding a publish slot, sends waiting for one, and the number of slots now. */
  publishStats(): PublishStats {
    return this.publisher.stats();
  }

  /** A worker for the given queues (default: every queue with a registered actor). */
  createWorker(options: WorkerOptions = {}): Worker {
    return new Worker(this, options.queues ?? this.actors.queues(), options);
  }

  // --- sending -----------------------------------------------------------------------

  /** Declares q, q.DQ and q.XQ once (cached). */
  declareQueue(queueName: string): Promise<void> {
    return this.declarer.ensure(queueName);
  }

  forgetQueue(queueName: string): void {
    this.declarer.forget(queueName);
  }

  /** Publishes a ready-made message; resolves with it (as sent) once RabbitMQ confirmed it. */
  enqueue(message: DramatiqMessage, options: EnqueueOptions = {}): Promise<DramatiqMessage> {
    return this.enqueuer.enqueue(message, options);
  }

  /**
   * Sends to any actor by name: a local one, or one that lives only in a Python worker.
   * R, when given, is the actor's result type, for getResult.
   */
  send<R = unknown>(actorName: string, options: SendOptions = {}): Promise<SentMessage<R>> {
    return this.enqueue(this.message<R>(actorName, options), { delay: options.delay });
  }

  /**
   * Builds a message to an actor by name without sending it: a step of a pipeline or a member
   * of a group (Dramatiq's actor.message_with_options). R is the actor's result type.
   */
  message<R = unknown>(actorName: string, input: MessageInput = {}): TypedMessage<R> {
    return createMessage({
      queueName: queueForActor(this, actorName, input.queueName),
      actorName,
      args: input.args ?? [],
      kwargs: input.kwargs ?? {},
      options: input.options ?? {},
    });
  }

  // --- workflows (see docs/results.md) ---------------------------------------------------

  /** Chains messages: each runs with the previous result appended to its args (unless pipe_ignore). */
  pipeline<const S extends readonly PipelineStep<any>[]>(steps: S): Pipeline<LastResult<S>> {
    return new Pipeline<LastResult<S>>(this, steps);
  }

  /** Runs messages and pipelines in parallel; completion callbacks need the groupCallbacks option. */
  group<const M extends readonly GroupMember<any>[]>(members: M): Group<ResultsOf<M>> {
    return new Group<ResultsOf<M>>(this, members);
  }

  // --- results -----------------------------------------------------------------------

  /**
   * The result of a sent message (see docs/results.md): its actor's return value, or
   * ResultFailureError when it failed for good. Without `block`, ResultMissingError when there
   * is none yet; with it, waits up to `timeout` ms (default 10000), then ResultTimeoutError.
   */
  getResult<R = unknown>(message: TypedMessageRef<R>, options?: GetResultOptions): Promise<R> {
    if (this.resultBackend === undefined) return Promise.reject(new ResultsNotConfiguredError());
    const result = getResult(this.resultBackend, message, options);
    return this.events.has('resultAwaited') ? reportResultAwaited(this.events, message.message_id, result) : result;
  }

  // --- queue helpers (as the Python original) ---------------------------------------------

  getQueueMessageCounts(queueName: string): Promise<QueueMessageCounts> {
    return this.admin.getQueueMessageCounts(queueName);
  }

  /** Counts of q, q.DQ and q.XQ plus the consumers of q and q.DQ. */
  getQueueStats(queueName: string): Promise<QueueStats> {
    return this.admin.getQueueStats(queueName);
  }

  /** Queues this broker knows: its actors' and the ones it declared, sorted. */
  queueNames(): string[] {
    return this.knownQueues().sort();
  }

  join(queueName: string, options?: JoinOptions): Promise<void> {
    return this.admin.join(queueName, options);
  }

  flush(queueName: string): Promise<void> {
    return this.admin.flush(queueName);
  }

  flushAll(): Promise<void> {
    return this.admin.flushMany(this.knownQueues());
  }

  deleteQueue(queueName: string, options?: { ifUnused?: boolean; ifEmpty?: boolean }): Promise<void> {
    return this.admin.deleteQueue(queueName, options);
  }

  deleteAll(): Promise<void> {
    return this.admin.deleteMany(this.knownQueues());
  }

  private knownQueues(): string[] {
    return [...new Set([...this.actors.queues(), ...this.declarer.queues()])];
  }
}

/** Results must decide after Retries (after-hooks run in reverse), so it goes just before it. */
function insertBeforeRetries(stack: Middleware[], results: Results): void {
  const retries = stack.findIndex((m) => m instanceof Retries);
  stack.splice(retries === -1 ? stack.length : retries, 0, results);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** 'resultAwaited' once a getResult settles: how the wait ended and how long it took. */
function reportResultAwaited<R>(events: BrokerEvents, messageId: string, result: Promise<R>): Promise<R> {
  const started = performance.now();
  const report = (outcome: ResultAwaitedEvent['outcome']) =>
    events.emit('resultAwaited', { messageId, outcome, durationMs: performance.now() - started });
  return result.then(
    (value) => {
      report('ready');
      return value;
    },
    (error: unknown) => {
      report(
        error instanceof ResultTimeoutError
          ? 'timeout'
          : error instanceof ResultMissingError
            ? 'missing'
            : error instanceof ResultFailureError
              ? 'failure'
              : 'error',
      );
      throw error;
    },
  );
}
