import { BrokerError } from '../core/errors/broker-error.js';

/**
 * An @Actor() method on a provider Nest creates per request or per injection: a worker has no
 * request to create it for, so the actor could never run while sends to it would pile up.
 */
export class ActorOnNonStaticProviderError extends BrokerError {
  constructor(readonly origins: readonly string[]) {
    super(
      'ACTOR_ON_NON_STATIC_PROVIDER',
      `@Actor() methods must live on a singleton provider, but ${origins.join(', ')} ` +
        `${origins.length === 1 ? 'is' : 'are'} on a request-scoped or transient provider (or one that ` +
        'depends on a request-scoped provider). Move the actor to a default-scoped provider; to use ' +
        'request-scoped services inside it, inject ModuleRef and call moduleRef.resolve() in the actor.',
    );
  }
}
