import { SetMetadata } from '@nestjs/common';
import { ACTOR_METADATA } from '../broker.constants.js';
import type { ActorOptions } from '../core/actor/actor-options.js';

/**
 * Makes a provider method a Dramatiq actor. The module finds it at start-up; a worker in
 * this process then consumes its queue, and any process can send to it by name.
 *
 *   @Actor({ queueName: 'emails', maxRetries: 3 })
 *   async sendWelcome(userId: number, locale = 'en') { ... }
 */
export function Actor(options: ActorOptions = {}): MethodDecorator {
  return SetMetadata(ACTOR_METADATA, options);
}
