import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACTOR_METADATA } from '../broker.constants.js';
import type { ActorOptions } from '../core/actor/actor-options.js';
import { DramatiqBroker } from '../core/broker.js';

/** Finds @Actor() methods on every provider at module init and registers them with the broker. */
@Injectable()
export class ActorExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly broker: DramatiqBroker,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      // Request-scoped providers have no single instance to run actors on.
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName] as (...args: unknown[]) => unknown;
        const options = this.reflector.get<ActorOptions | undefined>(ACTOR_METADATA, method);
        if (!options) continue;
        const name = options.actorName ?? methodName;
        this.broker.registerActor(name, method.bind(instance), options, {
          origin: `${instance.constructor.name}.${methodName}`,
          parameterSource: method,
        });
      }
    }
    const actors = this.broker.actors.all();
    if (actors.length > 0) {
      this.broker.logger.log(`Actors: ${actors.map((a) => `${a.name} (queue "${a.queueName}")`).join(', ')}`);
    }
  }
}
