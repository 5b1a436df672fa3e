import { describe, expect, it } from '@jest/globals';
import { CurrentMessage, CurrentMessageNotInstalledError } from '../../../lib/core/middleware/current-message.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';

// Jest gives each test file its own module registry, so "installed" starts false here.
describe('CurrentMessage is opt-in', () => {
  it('is not in the default stack (as in Dramatiq)', () => {
    expect(defaultMiddleware().map((m) => m.name)).toEqual([
      'AgeLimit',
      'TimeLimit',
      'Callbacks',
      'Pipelines',
      'Retries',
    ]);
  });

  it('get() and signal() fail loudly, naming the fix, while no CurrentMessage middleware exists', () => {
    expect(() => CurrentMessage.get()).toThrow(CurrentMessageNotInstalledError);
    expect(() => CurrentMessage.signal()).toThrow(/new CurrentMessage\(\)/);
  });

  it('once installed, outside a run they return undefined', () => {
    new CurrentMessage();
    expect(CurrentMessage.get()).toBeUndefined();
    expect(CurrentMessage.signal()).toBeUndefined();
  });
});
