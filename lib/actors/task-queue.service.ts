import { Injectable, type Type } from '@nestjs/common';
import { DramatiqBroker, type SendOptions } from '../core/broker.js';
import type { DramatiqMessage } from '../core/message/message.js';
import { ActorMetadataAccessor } from './actor-metadata.accessor.js';

type Method = (...args: any[]) => unknown;
/** Names of T's methods. */
export type MethodNames<T> = { [K in keyof T]: T[K] extends Method ? K : never }[keyof T] & string;
type ArgsOf<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;

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
  send<T, K extends MethodNames<T>>(target: Type<T>, method: K, ...args: ArgsOf<T, K>): Promise<DramatiqMessage> {
    return this.sendWithOptions(target, method, { args });
  }

  /** Like send, with kwargs, a delay (ms) and wire options (broker_priority, on_success, ...). */
  sendWithOptions<T, K extends MethodNames<T>>(
    target: Type<T>,
    method: K,
    options: TypedSendOptions<ArgsOf<T, K>>,
  ): Promise<DramatiqMessage> {
    const actorOptions = this.metadata.getActorOptionsOf(target, method);
    if (!actorOptions) {
      throw new TypeError(`${target.name}.${method} is not an @Actor() method.`);
    }
    // The broker decides the queue (one rule for actors and sends): the queue asked for here,
    // else the actor's own, with Dramatiq's "default" placeholder resolved.
    return this.broker.send(this.metadata.actorName(actorOptions, method), {
      ...options,
      queueName: options.queueName ?? actorOptions.queueName,
    });
  }

  /** Sends to an actor by name (a Python one, say). Give queueName when it is not a local actor. */
  sendTo(actorName: string, options: SendOptions = {}): Promise<DramatiqMessage> {
    return this.broker.send(actorName, options);
  }
}
