import { BrokerError } from '../errors/broker-error.js';

/** Redis (or another rate limiter backend) did not answer: refused, lost, or too slow. */
export class RateLimiterBackendUnavailableError extends BrokerError {
  constructor(what: string, detail: string, cause?: unknown) {
    super('RATE_LIMITER_BACKEND_UNAVAILABLE', `Cannot ${what}: ${detail}`, { cause });
  }
}
