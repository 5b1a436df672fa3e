import { describe, expect, it } from '@jest/globals';
import { ActorDefinition } from '../../../lib/core/actor/actor-definition.js';
import { createMessage } from '../../../lib/core/message/message.js';
import type { MiddlewareHost } from '../../../lib/core/middleware/middleware.js';
import { MemoryResultBackend } from '../../../lib/core/results/backends/memory-backend.js';
import { Results } from '../../../lib/core/results/results-middleware.js';
import { resolveResultsSettings } from '../../../lib/core/results/results-options.js';
import { MessageProcessor } from '../../../lib/core/worker/message-processor.js';

const host: MiddlewareHost = {
  logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  defaultQueueName: 'default',
  getActor: () => undefined,
  enqueue: async (message) => message,
};

/** A memory backend whose stores never answer (a backend that hangs). */
class HangingBackend extends MemoryResultBackend {
  override store(): Promise<void> {
    return new Promise<void>(() => undefined);
  }
}

function run(
  backend: MemoryResultBackend,
  storeTimeout: number,
  messages = 1,
  handler: (...args: never[]) => unknown = (a: number, b: number) => a + b,
  signal?: AbortSignal,
) {
  const settings = resolveResultsSettings({ backend, storeResults: true, storeTimeout })!;
  const processor = new MessageProcessor(() => [new Results(settings)], host);
  const actor = new ActorDefinition('add', 'q', {}, handler);
  return Array.from({ length: messages }, (_, i) => {
    const message = createMessage({ queueName: 'q', actorName: 'add', args: [i, 1], kwargs: {}, options: {} });
    return { message, outcome: processor.process(message, actor, signal) };
  });
}

describe('Results: storing before the ack', () => {
  it('acks once the result is stored, under the key Dramatiq reads', async () => {
    const backend = new MemoryResultBackend();
    const [{ message, outcome }] = run(backend, 1_000);
    expect(await outcome).toEqual({ kind: 'ack' });
    expect(await backend.read(backend.keyFor(message))).toBe('1');
  });

  it('fails the run when a store gets no answer within results.storeTimeout, each message with its own error', async () => {
    const started = Date.now();
    const runs = run(new HangingBackend(), 80, 3);
    const outcomes = await Promise.all(runs.map((r) => r.outcome));
    expect(Date.now() - started).toBeLessThan(2_000);
    outcomes.forEach((outcome, i) => {
      // A store that fails is the Results middleware failing: the message goes back to the queue.
      expect(outcome.kind).toBe('requeue');
      const reason = (outcome as { reason: string }).reason;
      expect(reason).toContain(runs[i]!.message.message_id);
      expect(reason).toContain('no answer within 80 ms (results.storeTimeout)');
    });
  });

  it('dead-letters a value JSON cannot carry, and stores that failure for waiters', async () => {
    const backend = new MemoryResultBackend();
    const [{ message, outcome }] = run(backend, 1_000, 1, () => 10n);
    const settled = await outcome;
    expect(settled.kind).toBe('dead-letter');
    expect((settled as { reason: string }).reason).toMatch(/BigInt/);
    const stored = JSON.parse((await backend.read(backend.keyFor(message)))!);
    expect(stored.__t).toBe('dramatiq.results.Result');
    expect(stored.exn.msg).toMatch(/BigInt/);
  });

  it('stores nothing for a run abandoned (worker shutdown) before its actor returned', async () => {
    const backend = new MemoryResultBackend();
    const shutdown = new AbortController();
    let finish!: () => void;
    const actorDone = new Promise<void>((resolve) => (finish = resolve));
    const [{ message, outcome }] = run(backend, 1_000, 1, () => actorDone.then(() => 42), shutdown.signal);
    shutdown.abort();
    finish();
    // The worker handed the delivery back when it aborted the run, and ignores this outcome: the
    // redelivered run stores the result. A late store here could overwrite what that run stores.
    await outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await backend.read(backend.keyFor(message))).toBeUndefined();
  });
});
