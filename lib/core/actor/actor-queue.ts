/**
 * The one rule for where an actor's messages go, used by registration (and so the worker),
 * every send path and the middleware that send on a message's behalf (callbacks, retries).
 */

/** Dramatiq's placeholder: an actor left on queue "default" moves to the broker's defaultQueueName. */
export const DEFAULT_QUEUE_PLACEHOLDER = 'default';

/** What the rule needs to know: the broker's default queue and the actors of this process. */
export interface ActorQueueLookup {
  readonly defaultQueueName: string;
  getActor(name: string): { readonly queueName: string } | undefined;
}

/** A queue name as an actor or a send asked for it, with Dramatiq's "default" placeholder applied. */
export function resolveQueueName(requested: string | undefined, defaultQueueName: string): string {
  return requested === undefined || requested === DEFAULT_QUEUE_PLACEHOLDER ? defaultQueueName : requested;
}

/** The queue of a message to `actorName`: the one asked for, else the local actor's, else the default. */
export function queueForActor(lookup: ActorQueueLookup, actorName: string, requested?: string): string {
  return resolveQueueName(requested ?? lookup.getActor(actorName)?.queueName, lookup.defaultQueueName);
}
