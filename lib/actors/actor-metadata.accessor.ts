import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACTOR_METADATA } from '../broker.constants.js';
import type { ActorOptions } from '../core/actor/actor-options.js';

/** The only reader of @Actor() metadata: the explorer and TaskQueue both ask it. */
@Injectable()
export class ActorMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** The @Actor() options of a method, or undefined when it is no actor. */
  getActorOptions(method: unknown): ActorOptions | undefined {
    return typeof method === 'function'
      ? this.reflector.get<ActorOptions | undefined>(ACTOR_METADATA, method)
      : undefined;
  }

  /** The @Actor() options of `target.prototype[methodName]`. */
  getActorOptionsOf(target: Type<unknown>, methodName: string): ActorOptions | undefined {
    return this.getActorOptions((target.prototype as Record<string, unknown>)[methodName]);
  }

  /** The wire name of an actor method: actorName when given, else the method's name. */
  actorName(options: ActorOptions, methodName: string): string {
    return options.actorName ?? methodName;
  }
}
