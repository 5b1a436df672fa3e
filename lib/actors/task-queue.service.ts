import { Injectable, type Type } from '@nestjs/common';
import { DramatiqBroker, type SendOptions } from '../core/broker.js';
import { queueForActor } from '../core/actor/actor-queue.js';
import type { GetResultOptions, SentMessage, TypedMessageRef } from '../core/results/get-result.js';
import { ActorMetadataAccessor } from './actor-metadata.accessor.js';

type Method = (...args: any[]) => unknown;
/** Names of T's methods. */
export type MethodNames<T> = { [K in keyof T]: T[K] extends Method ? K : never }[keyof T] & string;
type ArgsOf<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;
/** What an actor method's promise resolves to: the type getResult gives back. */
export type ResultOf<T, K extends keyof T> = T[K] extends (...args: any[]) => infer R ? Awaited<R> : never;

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
