import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DramatiqBroker } from '../core/broker.js';
import { ActorMetadataAccessor } from './actor-metadata.accessor.js';
import { ActorOnNonStaticProviderError } from './actor.errors.js';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds @Actor() methods on every provider at module init and registers them with the broker.
 * Actors on request-scoped or transient providers stop the start with an error naming them:
 * skipping them would leave sends that no worker ever runs.
 */
@Injectable()
export class ActorExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: ActorMetadataAccessor,
    private readonly broker: DramatiqBroker,
  ) {}

  onModuleInit(): void {
    const nonStatic: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const prototype = prototypeOf(wrapper);
      if (!prototype) continue;
      const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName] as (...args: unknown[]) => unknown;
        const options = this.metadata.getActorOptions(method);
        if (!options) continue;
        const origin = `${(prototype.constructor as { name: string }).name}.${methodName}`;
        if (!isStatic || !wrapper.instance) {
          nonStatic.push(origin);
          continue;
        }
        this.broker.registerActor(
          this.metadata.actorName(options, methodName),
          method.bind(wrapper.instance),
          options,
          {
            origin,
            parameterSource: method,
          },
        );
      }
    }
    if (nonStatic.length > 0) throw new ActorOnNonStaticProviderError(nonStatic);
    const actors = this.broker.actors.all();
    if (actors.length > 0) {
      this.broker.logger.log(`Actors: ${actors.map((a) => `${a.name} (queue "${a.queueName}")`).join(', ')}`);
    }
  }
}

/**
 * The prototype whose methods a provider exposes. Request-scoped and transient providers may
 * have no instance yet at module init, so their class is read instead; factory and value
 * providers without an instance have no methods to look at.
 */
function prototypeOf(wrapper: InstanceWrapper): Record<string, unknown> | undefined {
  const instance: unknown = wrapper.instance;
  if (instance && typeof instance === 'object') return Object.getPrototypeOf(instance) as Record<string, unknown>;
  const { metatype } = wrapper;
  if (typeof metatype === 'function' && !wrapper.inject && metatype.prototype) {
    return metatype.prototype as Record<string, unknown>;
  }
  return undefined;
}
