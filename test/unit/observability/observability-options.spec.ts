import { describe, expect, it } from '@jest/globals';
import { InvalidBrokerOptionError } from '../../../lib/core/errors/configuration.errors.js';
import { checkObservabilityOptions } from '../../../lib/observability/observability-options.js';

describe('metrics / tracing / eventEmitter module options', () => {
  it('accepts booleans and the documented keys', () => {
    expect(() =>
      checkObservabilityOptions({
        strategy: 'shared',
        metrics: { path: '/metrics', prefix: 'my_app_' },
        tracing: { contextKey: 'trace_ctx' },
        eventEmitter: { prefix: 'tasks.' },
      }),
    ).not.toThrow();
    expect(() => checkObservabilityOptions({ strategy: 'shared', metrics: true, tracing: false })).not.toThrow();
  });

  it.each([
    [{ metrics: { pth: '/metrics' } }, 'metrics.pth'],
    [{ metrics: { path: 'metrics' } }, 'metrics.path'],
    [{ metrics: { prefix: 'has-dash_' } }, 'metrics.prefix'],
    [{ metrics: 'yes' }, 'metrics'],
    [{ tracing: { provider: {} } }, 'tracing.provider'],
    [{ eventEmitter: { prefx: 'x' } }, 'eventEmitter.prefx'],
  ])('rejects %j naming %s', (extra, option) => {
    let error: unknown;
    try {
      checkObservabilityOptions({ strategy: 'shared', ...(extra as object) });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidBrokerOptionError);
    expect((error as Error).message).toContain(option);
  });
});
