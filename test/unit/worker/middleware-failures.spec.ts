import { describe, expect, it } from '@jest/globals';
import { ActorDefinition } from '../../../lib/core/actor/actor-definition.js';
import { InvalidBrokerOptionError } from '../../../lib/core/errors/configuration.errors.js';
import { createMessage, type DramatiqMessage, type MessageOptions } from '../../../lib/core/message/message.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import type { Middleware, MiddlewareHost } from '../../../lib/core/middleware/middleware.js';
import { MessageProcessor, type Outcome } from '../../../lib/core/worker/message-processor.js';
import { MiddlewareFailures } from '../../../lib/core/worker/middleware-failures.js';
import { resolveWorkerSettings } from '../../../lib/core/worker/worker-options.js';

function fakeLogger() {
  const lines: string[] = [];
  return {
    lines,
    warnings: () => lines.filter((l) => l.startsWith('WARN ')),
    logger: {
      log: (m: string) => void lines.push(`LOG ${m}`),
      warn: (m: string) => void lines.push(`WARN ${m}`),
      error: (m: string) => void lines.push(`ERROR ${m}`),
    },
  };
}

function fakeHost(logger: MiddlewareHost['logger'], enqueue?: MiddlewareHost['enqueue']): MiddlewareHost {
  return {
    logger,
    defaultQueueName: 'default',
    getActor: () => undefined,
    enqueue: enqueue ?? (async (message) => message),
  };
}

function messageWith(options: MessageOptions = {}): DramatiqMessage {
  return createMessage({ queueName: 'q', actorName: 'job', args: [1], options });
}

function hookFailure(middleware = 'Bad', error = 'Error: boom'): Outcome {
  return {
    kind: 'requeue',
    reason: `middleware ${middleware}.beforeProcess failed: ${error}`,
    hookFailure: { middleware, hook: 'beforeProcess', error },
  };
}

const ABANDONED: Outcome = { kind: 'requeue', reason: 'abandoned by worker shutdown' };

/**
 * What the worker does with one message whose deliveries keep coming back: process it, let the
 * counter decide, and deliver it again while the decision is a requeue (as RabbitMQ does).
 */
async function deliverUntilSettled(
  processor: MessageProcessor,
  failures: MiddlewareFailures,
  message: DramatiqMessage,
  actor: ActorDefinition,
  maxDeliveries = 100,
): Promise<{ deliveries: number; outcomes: Outcome[] }> {
  const outcomes: Outcome[] = [];
  for (let deliveries = 1; deliveries <= maxDeliveries; deliveries++) {
    const outcome = failures.decide(message, await processor.process(message, actor));
    outcomes.push(outcome);
    if (outcome.kind !== 'requeue') return { deliveries, outcomes };
  }
  return { deliveries: Infinity, outcomes };
}

describe('MiddlewareFailures: a message whose middleware keeps throwing', () => {
  it('is requeued until the limit, then dead-lettered with the hook error; the actor ran limit times; one warning', async () => {
    const { logger, lines, warnings } = fakeLogger();
    let runs = 0;
    const actor = new ActorDefinition('job', 'q', {}, () => void (runs += 1));
    const alwaysThrows: Middleware = {
      name: 'Audit',
      afterProcess: () => {
        throw new Error('audit store down.');
      },
    };
    const processor = new MessageProcessor(() => [...defaultMiddleware(), alwaysThrows], fakeHost(logger));
    const failures = new MiddlewareFailures(5, logger, 'q');
    const message = messageWith();

    const { deliveries, outcomes } = await deliverUntilSettled(processor, failures, message, actor);

    expect(deliveries).toBe(5);
    expect(runs).toBe(5);
    expect(outcomes.slice(0, 4).map((o) => o.kind)).toEqual(Array(4).fill('requeue'));
    expect(outcomes[4]).toEqual({
      kind: 'dead-letter',
      reason: 'middleware Audit.afterProcess failed 5 times (worker.maxMiddlewareFailures): Error: audit store down',
      cause: { reason: 'middleware_failure', error: new Error('audit store down.') },
    });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toBe(
      `WARN Middleware Audit.afterProcess failed on ${message.message_id} (job) from "q": Error: audit store down. ` +
        'The message goes back to the queue; it is tried up to 5 times in all, then dead-lettered ' +
        '(worker.maxMiddlewareFailures). Its next failures are not logged.',
    );
    // The dead-letter line itself is the consumer's (one ERROR there); nothing else is logged here.
    expect(lines).toHaveLength(1);
    expect(failures.size).toBe(0); // dead-lettered: forgotten
  });

  it('a beforeProcess that throws: the actor never runs, and the message is dead-lettered at the limit', async () => {
    const { logger, warnings } = fakeLogger();
    let runs = 0;
    const actor = new ActorDefinition('job', 'q', {}, () => void (runs += 1));
    const processor = new MessageProcessor(
      () => [
        {
          name: 'Tenant',
          beforeProcess: async () => {
            throw new TypeError('no tenant header');
          },
        },
      ],
      fakeHost(logger),
    );
    const failures = new MiddlewareFailures(3, logger, 'q');
    const { deliveries, outcomes } = await deliverUntilSettled(processor, failures, messageWith(), actor);
    expect(deliveries).toBe(3);
    expect(runs).toBe(0);
    expect(outcomes[2]).toEqual({
      kind: 'dead-letter',
      reason:
        'middleware Tenant.beforeProcess failed 3 times (worker.maxMiddlewareFailures): TypeError: no tenant header',
      cause: { reason: 'middleware_failure', error: new TypeError('no tenant header') },
    });
    expect(warnings()).toHaveLength(1);
  });

  it('a retry that cannot be published (Retries.afterProcess throws) counts too', async () => {
    const { logger } = fakeLogger();
    const actor = new ActorDefinition('job', 'q', {}, () => {
      throw new Error('actor failed');
    });
    const host = fakeHost(logger, async () => {
      throw new Error('RabbitMQ did not confirm');
    });
    const processor = new MessageProcessor(() => defaultMiddleware(), host);
    const failures = new MiddlewareFailures(2, logger, 'q');
    const { deliveries, outcomes } = await deliverUntilSettled(processor, failures, messageWith(), actor);
    expect(deliveries).toBe(2);
    expect(outcomes[1]).toMatchObject({
      kind: 'dead-letter',
      reason: expect.stringMatching(
        /^middleware Retries\.afterProcess failed 2 times .*: Error: RabbitMQ did not confirm$/,
      ),
    });
  });

  it('a hook that recovers: the message is acked and its count dropped', async () => {
    const { logger, warnings } = fakeLogger();
    let calls = 0;
    const flaky: Middleware = {
      name: 'Flaky',
      beforeProcess: () => {
        calls += 1;
        if (calls <= 2) throw new Error('not yet');
      },
    };
    const processor = new MessageProcessor(() => [flaky], fakeHost(logger));
    const failures = new MiddlewareFailures(5, logger, 'q');
    const actor = new ActorDefinition('job', 'q', {}, () => undefined);
    const { deliveries, outcomes } = await deliverUntilSettled(processor, failures, messageWith(), actor);
    expect(deliveries).toBe(3);
    expect(outcomes[2]).toEqual({ kind: 'ack' });
    expect(failures.size).toBe(0);
    expect(warnings()).toHaveLength(1);
  });
});

describe('MiddlewareFailures: counting', () => {
  it('limit 1: dead-letters at the first failure, without a warning', () => {
    const { logger, lines } = fakeLogger();
    const failures = new MiddlewareFailures(1, logger, 'q');
    expect(failures.decide(messageWith(), hookFailure())).toEqual({
      kind: 'dead-letter',
      reason: 'middleware Bad.beforeProcess failed 1 time (worker.maxMiddlewareFailures): Error: boom',
      cause: { reason: 'middleware_failure', error: 'Error: boom' },
    });
    expect(lines).toEqual([]);
    expect(failures.size).toBe(0);
  });

  it('counts each message on its own', () => {
    const { logger, warnings } = fakeLogger();
    const failures = new MiddlewareFailures(2, logger, 'q');
    const [a, b] = [messageWith(), messageWith()];
    expect(failures.decide(a, hookFailure()).kind).toBe('requeue');
    expect(failures.decide(b, hookFailure()).kind).toBe('requeue');
    expect(failures.decide(a, hookFailure()).kind).toBe('dead-letter');
    expect(failures.decide(b, hookFailure()).kind).toBe('dead-letter');
    expect(warnings()).toHaveLength(2);
    expect(warnings()[0]).toContain(a.message_id);
    expect(warnings()[1]).toContain(b.message_id);
  });

  it('a requeue that is not a hook failure (run abandoned by shutdown) neither counts nor resets the count', () => {
    const { logger } = fakeLogger();
    const failures = new MiddlewareFailures(3, logger, 'q');
    const message = messageWith();
    expect(failures.decide(message, hookFailure())).toEqual(hookFailure());
    for (let i = 0; i < 10; i++) expect(failures.decide(message, ABANDONED)).toBe(ABANDONED);
    expect(failures.decide(message, hookFailure()).kind).toBe('requeue');
    expect(failures.decide(message, hookFailure()).kind).toBe('dead-letter');
  });

  it('an ack or a dead-letter drops the count: the same message_id delivered again starts over', () => {
    const { logger, warnings } = fakeLogger();
    const failures = new MiddlewareFailures(2, logger, 'q');
    const message = messageWith();
    for (const settled of [{ kind: 'ack' }, { kind: 'dead-letter', reason: 'x' }] as Outcome[]) {
      expect(failures.decide(message, hookFailure()).kind).toBe('requeue');
      expect(failures.decide(message, settled)).toBe(settled);
      expect(failures.size).toBe(0);
    }
    expect(failures.decide(message, hookFailure()).kind).toBe('requeue');
    expect(warnings()).toHaveLength(3);
  });

  it('a retry copy (same message_id, other retries) starts a count of its own', () => {
    const { logger } = fakeLogger();
    const failures = new MiddlewareFailures(2, logger, 'q');
    const message = messageWith();
    const retry = { ...message, options: { ...message.options, retries: 1 } };
    expect(failures.decide(message, hookFailure()).kind).toBe('requeue');
    expect(failures.decide(retry, hookFailure()).kind).toBe('requeue');
    expect(failures.decide(retry, hookFailure()).kind).toBe('dead-letter');
  });

  it('keeps at most maxTracked messages, forgetting the least recently failed first', () => {
    const { logger, warnings } = fakeLogger();
    const failures = new MiddlewareFailures(2, logger, 'q', 3);
    const messages = Array.from({ length: 5 }, () => messageWith());
    for (const m of messages) failures.decide(m, hookFailure());
    expect(failures.size).toBe(3);
    // messages[0] and [1] were forgotten: they count from zero again (and warn again).
    expect(failures.decide(messages[0], hookFailure()).kind).toBe('requeue');
    // messages[4] is still counted.
    expect(failures.decide(messages[4], hookFailure()).kind).toBe('dead-letter');
    expect(warnings()).toHaveLength(6);
    expect(failures.size).toBe(2); // [3] and [0] (which pushed [2] out); [4] left when dead-lettered
  });

  it('a message failing again moves to the most recent end, so it is not the one forgotten', () => {
    const { logger } = fakeLogger();
    const failures = new MiddlewareFailures(3, logger, 'q', 2);
    const [a, b, c] = [messageWith(), messageWith(), messageWith()];
    failures.decide(a, hookFailure());
    failures.decide(b, hookFailure());
    failures.decide(a, hookFailure()); // a: 2 failures, now the most recent
    failures.decide(c, hookFailure()); // b is forgotten, not a
    expect(failures.decide(a, hookFailure()).kind).toBe('dead-letter');
  });
});

describe('worker.maxMiddlewareFailures', () => {
  it('defaults to 5 and accepts integers from 1 to 1000', () => {
    expect(resolveWorkerSettings().maxMiddlewareFailures).toBe(5);
    expect(resolveWorkerSettings({ maxMiddlewareFailures: 1 }).maxMiddlewareFailures).toBe(1);
    expect(resolveWorkerSettings({ maxMiddlewareFailures: 1000 }).maxMiddlewareFailures).toBe(1000);
  });

  it.each([0, -1, 1001, 2.5, Infinity, NaN, '5'])('rejects %p at startup, naming the option and the range', (value) => {
    const attempt = () => resolveWorkerSettings({ maxMiddlewareFailures: value as number });
    expect(attempt).toThrow(InvalidBrokerOptionError);
    expect(attempt).toThrow(
      /^Invalid broker option "worker\.maxMiddlewareFailures": expected an integer from 1 to 1000, received /,
    );
  });

  it('is a known worker option (a typo of it is reported with the known names)', () => {
    expect(() => resolveWorkerSettings({ maxMiddlewareFailure: 3 } as never)).toThrow(
      'Unknown broker option "worker.maxMiddlewareFailure". Known options here: queues, concurrency, shutdownTimeout, maxHoldTime, maxMiddlewareFailures.',
    );
  });
});
