import { Injectable, type Type } from '@nestjs/common';
import { DramatiqBroker, type SendOptions } from '../core/broker.js';
import { queueForActor } from '../core/actor/actor-queue.js';
import type { GetResultOptions, SentMessage, TypedMessage, TypedMessageRef } from '../core/results/get-result.js';
import type { Group, GroupMember, ResultsOf } from '../core/workflows/group.js';
import type { LastResult, Pipeline, PipelineStep } from '../core/workflows/pipeline.js';
import { ActorMetadataAccessor } from './actor-metadata.accessor.js';

type Method = (...args: any[]) => unknown;
/** Names of T's methods. */
export type MethodNames<T> = { [K in keyof T]: T[K] extends Method ? K : never }[keyof T] & string;
type ArgsOf<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;
/** What an actor method's promise resolves to: the type getResult gives back. */
export type ResultOf<T, K extends keyof T> = T[K] extends (...args: any[]) => infer R ? Awaited<R> : never;

/**
 * Arguments of a built message: all of them, or all but the last, which a pipeline fills in
 * with the previous step's result.
 */
export type StepArgs<A extends unknown[]> = A | (A extends [...infer Leading, unknown] ? Leading : never);

/** Options for a typed message: positional args as in StepArgs; kwargs and wire options (pipe_ignore...). */
export type TypedMessageOptions<A extends unknown[]> = Omit<SendOptions, 'args' | 'delay'> & { args?: StepArgs<A> };

/** Options for a typed send: positional args are typed; kwargs, delay and wire options as in SendOptions. */
export type TypedSendOptions<A extends unknown[]> = Omit<SendOptions, 'args'> & { args?: A };

/**
 * Sends tasks from anywhere in the app. `send` is typed against the actor's method;
 * `sendTo` reaches any actor by name, including ones that exist only in a Python worker.
 */
@Injectable()
export class TaskQueue {
  constructor(
    private readonly broker: DramatiqBroker,
    private readonly metadata: ActorMetadataAccessor,
  ) {}

  /** Sends to an @Actor() method with its own argument types; resolves once RabbitMQ confirmed. */
  send<T, K extends MethodNames<T>>(
    target: Type<T>,
    method: K,
    ...args: ArgsOf<T, K>
  ): Promise<SentMessage<ResultOf<T, K>>> {
    return this.sendWithOptions(target, method, { args });
  }

  /** Like send, with kwargs, a delay (ms) and wire options (broker_priority, on_success, ...). */
  sendWithOptions<T, K extends MethodNames<T>>(
    target: Type<T>,
    method: K,
    options: TypedSendOptions<ArgsOf<T, K>>,
  ): Promise<SentMessage<ResultOf<T, K>>> {
    const { name, queueName } = this.actorOf(target, method);
    // The broker decides the queue (one rule for actors and sends): the queue asked for here,
    // else the actor's own, with Dramatiq's "default" placeholder resolved.
    return this.broker.send<ResultOf<T, K>>(name, { ...options, queueName: options.queueName ?? queueName });
  }

  /**
   * A reference to a message of an @Actor() method sent earlier, from its id alone (one that
   * came back in an HTTP request, say), typed for getResult by the method's return type.
   */
  messageRef<T, K extends MethodNames<T>>(
    target: Type<T>,
    method: K,
    messageId: string,
  ): TypedMessageRef<ResultOf<T, K>> {
    const { name, queueName } = this.actorOf(target, method);
    // The queue a send without queueName went to: part of the result's key.
    return { queue_name: queueForActor(this.broker, name, queueName), actor_name: name, message_id: messageId };
  }

  private actorOf<T>(target: Type<T>, method: string): { name: string; queueName: string | undefined } {
    const actorOptions = this.metadata.getActorOptionsOf(target, method);
    if (!actorOptions) {
      throw new TypeError(`${target.name}.${method} is not an @Actor() method.`);
    }
    return { name: this.metadata.actorName(actorOptions, method), queueName: actorOptions.queueName };
  }

  /**
   * Builds a message to an @Actor() method without sending it: a pipeline step or a group member,
   * typed by the method's return type. Give every argument, or all but the last in a pipeline.
   */
  message<T, K extends MethodNames<T>>(
    target: Type<T>,
    method: K,
    ...args: StepArgs<ArgsOf<T, K>>
  ): TypedMessage<ResultOf<T, K>> {
    return this.messageWithOptions(target, method, { args });
  }

  /** Like message, with kwargs and wire options: `options: { pipe_ignore: true }` for a step that ignores the previous result. */
  messageWithOptions<T, K extends MethodNames<T>>(
    target: Type<T>,
    method: K,
    options: TypedMessageOptions<ArgsOf<T, K>>,
  ): TypedMessage<ResultOf<T, K>> {
    const { name, queueName } = this.actorOf(target, method);
    return this.broker.message<ResultOf<T, K>>(name, { ...options, queueName: options.queueName ?? queueName });
  }

  /** A message to an actor by name (a Python one, say), not sent; R is its result type. */
  messageTo<R = unknown>(actorName: string, options: Omit<SendOptions, 'delay'> = {}): TypedMessage<R> {
    return this.broker.message<R>(actorName, options);
  }

  /** A pipeline of these steps (see docs/results.md); `getResult` gives the last step's result, typed. */
  pipeline<const S extends readonly PipelineStep<any>[]>(steps: S): Pipeline<LastResult<S>> {
    return this.broker.pipeline(steps);
  }

  /** A group of messages and pipelines run in parallel; `getResults` gives their results in order, typed. */
  group<const M extends readonly GroupMember<any>[]>(members: M): Group<ResultsOf<M>> {
    return this.broker.group(members);
  }

  /** Sends to an actor by name (a Python one, say). Give queueName when it is not a local actor. */
  sendTo<R = unknown>(actorName: string, options: SendOptions = {}): Promise<SentMessage<R>> {
    return this.broker.send<R>(actorName, options);
  }

  /**
   * The result of a sent message, typed by its actor's return type when it came from `send`
   * (needs BrokerModule's `results` option; see docs/results.md). Throws ResultMissingError,
   * ResultTimeoutError (with block) or ResultFailureError (the actor failed for good).
   */
  getResult<R = unknown>(message: TypedMessageRef<R>, options?: GetResultOptions): Promise<R> {
    return this.broker.getResult<R>(message, options);
  }
}
