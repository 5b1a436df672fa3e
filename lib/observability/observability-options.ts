import { InvalidBrokerOptionError } from '../core/errors/configuration.errors.js';
import { checkKnownKeys, checkNonEmptyString, checkPlainObject } from '../core/options/option-checks.js';
import type { BrokerModuleOptions } from '../interfaces/broker-module-options.interface.js';

/** Checks the module's `metrics`, `tracing` and `eventEmitter` options at start (a typo stops the app). */
export function checkObservabilityOptions(options: BrokerModuleOptions): void {
  const { metrics, tracing, eventEmitter } = options;
  if (metrics !== undefined && typeof metrics !== 'boolean') {
    const m = checkPlainObject('metrics', metrics);
    checkKnownKeys('metrics', m, ['registry', 'prefix', 'path']);
    if (m.prefix !== undefined && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(String(m.prefix)) && m.prefix !== '') {
      throw new InvalidBrokerOptionError(
        'metrics.prefix',
        'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)',
        m.prefix,
      );
    }
    if (m.path !== undefined && !checkNonEmptyString('metrics.path', m.path).startsWith('/')) {
      throw new InvalidBrokerOptionError('metrics.path', "a path starting with '/'", m.path);
    }
  }
  if (tracing !== undefined && typeof tracing !== 'boolean') {
    checkKnownKeys('tracing', checkPlainObject('tracing', tracing), ['tracerProvider', 'contextKey']);
  }
  if (eventEmitter !== undefined && typeof eventEmitter !== 'boolean') {
    checkKnownKeys('eventEmitter', checkPlainObject('eventEmitter', eventEmitter), ['prefix']);
  }
}
