import { BrokerError } from '../errors/broker-error.js';
import type { ActorDefinition } from './actor-definition.js';

export class DuplicateActorError extends BrokerError {
  constructor(name: string, first: string, second: string) {
    super(
      'DUPLICATE_ACTOR',
      `Two actors are named "${name}" (${first} and ${second}). Actor names must be unique: ` +
        'give one of them another actorName in @Actor({ actorName }).',
    );
  }
}

/** The actors this process knows, by name; the worker looks them up for each message. */
export class ActorRegistry {
  private readonly byName = new Map<string, { actor: ActorDefinition; origin: string }>();

  register(actor: ActorDefinition, origin = actor.name): void {
    const existing = this.byName.get(actor.name);
    if (existing) throw new DuplicateActorError(actor.name, existing.origin, origin);
    this.byName.set(actor.name, { actor, origin });
  }

  get(name: string): ActorDefinition | undefined {
    return this.byName.get(name)?.actor;
  }

  all(): ActorDefinition[] {
    return [...this.byName.values()].map((e) => e.actor);
  }

  /** Queues that have at least one actor, in registration order. */
  queues(): string[] {
    return [...new Set(this.all().map((a) => a.queueName))];
  }
}
