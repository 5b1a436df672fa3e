import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { MemoryResultBackend } from '../../../lib/core/results/backends/memory-backend.js';
import { getResult } from '../../../lib/core/results/get-result.js';
import { Results } from '../../../lib/core/results/results-middleware.js';
import {
  ResultFailureError,
  ResultMissingError,
  ResultsNotConfiguredError,
  ResultTimeoutError,
} from '../../../lib/core/results/results.errors.js';
import { Retries } from '../../../lib/core/middleware/retries.js';

const ref = () => ({ queue_name: 'q', actor_name: 'a', message_id: randomUUID() });

describe('MemoryResultBackend', () => {
  it('stores, reads without removing, and expires after the TTL', async () => {
    let now = 1_000;
    const backend = new MemoryResultBackend({}, () => now);
    const message = ref();
    await expect(getResult(backend, message)).rejects.toBeInstanceOf(ResultMissingError);
    await backend.store(backend.keyFor(message), '{"x":1}', 500);
    expect(await getResult(backend, message)).toEqual({ x: 1 });
    expect(await getResult(backend, message)).toEqual({ x: 1 });
    now += 499;
    expect(await backend.read(backend.keyFor(message))).toBe('{"x":1}');
    now += 1;
    await expect(getResult(backend, message)).rejects.toBeInstanceOf(ResultMissingError);
  });

  it('wakes blocked readers on store, and times them out otherwise', async () => {
    const backend = new MemoryResultBackend();
    const message = ref();
    const waits = [1, 2, 3].map(() => getResult(backend, message, { block: true, timeout: 5_000 }));
    await backend.store(backend.keyFor(message), '7', 1_000);
    expect(await Promise.all(waits)).toEqual([7, 7, 7]);
    const started = Date.now();
    await expect(getResult(backend, ref(), { block: true, timeout: 100 })).rejects.toBeInstanceOf(ResultTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('raises a stored failure with its type', async () => {
    const backend = new MemoryResultBackend({ prefixedKeys: true });
    const message = ref();
    expect(backend.keyFor(message)).toBe(`dramatiq-results:q:a:${message.message_id}`);
    await backend.store(
      backend.keyFor(message),
      '{"__t":"dramatiq.results.Result","exn":{"type":"KeyError","msg":"\'x\'"}}',
      1_000,
    );
    const error = await getResult(backend, message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultFailureError);
    expect(error).toMatchObject({ remoteType: 'KeyError', remoteMessage: "'x'", code: 'RESULT_FAILURE' });
  });
});

describe('the broker and the results option', () => {
  it('adds Results just before Retries only when a backend is configured', () => {
    const plain = new DramatiqBroker({ strategy: 'shared' });
    expect(plain.middleware.some((m) => m instanceof Results)).toBe(false);
    expect(plain.resultBackend).toBeUndefined();
    const withResults = new DramatiqBroker({ strategy: 'shared', results: { backend: new MemoryResultBackend() } });
    const names = withResults.middleware.map((m) => m.name);
    expect(names.indexOf('Results')).toBe(names.indexOf('Retries') - 1);
    expect(withResults.middleware.filter((m) => m instanceof Results)).toHaveLength(1);
    const custom = new DramatiqBroker({
      strategy: 'shared',
      middleware: [new Retries()],
      results: { backend: new MemoryResultBackend() },
    });
    expect(custom.middleware.map((m) => m.name)).toEqual(['Results', 'Retries']);
  });

  it('getResult without a backend rejects with ResultsNotConfiguredError', async () => {
    const broker = new DramatiqBroker({ strategy: 'shared' });
    const error = await broker.getResult(ref()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsNotConfiguredError);
    expect((error as ResultsNotConfiguredError).code).toBe('RESULTS_NOT_CONFIGURED');
  });

  it.each([
    [{ backend: {} }, /"results.backend": expected a result backend/],
    [{ backend: new MemoryResultBackend(), storeResults: 'yes' }, /"results.storeResults": expected true or false/],
    [{ backend: new MemoryResultBackend(), maxResultBytes: 1.5 }, /"results.maxResultBytes": expected an integer >= 4/],
    [{ backend: new MemoryResultBackend(), storeTimeout: 0 }, /"results.storeTimeout"/],
    // Past setTimeout's limit Node would fire every 1 ms.
    [{ backend: new MemoryResultBackend(), storeTimeout: 2 ** 31 }, /"results.storeTimeout".*from 1 to 2147483647/],
    [{ backend: new MemoryResultBackend(), ttl: 5 }, /Unknown broker option "results.ttl"/],
    ['redis://localhost', /"results": expected an object/],
  ])('rejects results %p', (results, message) => {
    expect(() => new DramatiqBroker({ strategy: 'shared', results: results as never })).toThrow(message);
  });
});
