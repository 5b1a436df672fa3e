/**
 * Scenario 7: hostile or broken bodies published straight to an actor's queue with raw amqplib
 * (not JSON, invalid UTF-8, wrong field types, missing and extra keys, unknown actors, deeply
 * nested JSON, a 10 MB body), mixed with valid messages. Expected: every bad one dead-lettered
 * to q.XQ with a logged reason, every valid one processed, the worker still running, RSS bounded,
 * no log line carrying a large body.
 */
import { describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { DramatiqBroker } from '../../lib/core/broker.js';
import { CapturingLogger, uniqueName } from '../support/broker-fixtures.js';
import { sleep, waitFor } from '../support/wait.js';
import { recordFigures } from './support/figures.js';
import { amqpUrl } from './support/nodes.js';
import { useScenarioNode } from './support/scenario-fixture.js';
import { sized } from './support/scale.js';
import { forceGc, memoryMb } from './support/memory.js';
import { SecretWatch } from './support/secrets.js';

const BAD = sized(1_000, 5_000);
const VALID_EVERY = 4; // one valid message after every 4 bad ones
const ACTOR = 'rel_input';

const scenario = useScenarioNode('bad-input', 'badInput', { agentBundle: false });
const user = scenario.user;

interface Case {
  category: string;
  body: Buffer;
  /** The reason the dead-letter log line must give. */
  reason: RegExp;
}

function validBody(
  queue: string,
  n: number,
  overrides: Record<string, unknown> = {},
  drop?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    queue_name: queue,
    actor_name: ACTOR,
    args: [n],
    kwargs: {},
    options: {},
    message_id: randomUUID(),
    message_timestamp: Date.now(),
    ...overrides,
  };
  if (drop) delete body[drop];
  return body;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** The i-th bad body (cycles through every kind). */
function badCase(queue: string, i: number): Case {
  const kinds: Array<() => Case> = [
    () => ({ category: 'not JSON', body: Buffer.from(`hello ${i}`), reason: /not valid JSON/ }),
    () => ({ category: 'not JSON', body: Buffer.from('{"queue_name": "q", '), reason: /not valid JSON/ }),
    () => ({ category: 'not JSON', body: Buffer.alloc(0), reason: /not valid JSON/ }),
    () => ({
      category: 'invalid UTF-8',
      body: Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc0, 0xaf, 0x80]),
      reason: /not valid UTF-8/,
    }),
    () => ({
      category: 'invalid UTF-8',
      body: Buffer.concat([json(validBody(queue, -1)).subarray(0, 20), Buffer.from([0xed, 0xa0, 0x80])]),
      reason: /not valid UTF-8/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { args: { a: 1 } })),
      reason: /"args" must be an array/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { kwargs: [1] })),
      reason: /"kwargs" must be an object/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { message_timestamp: '123' })),
      reason: /"message_timestamp" must be an integer/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { message_timestamp: 1.5 })),
      reason: /"message_timestamp" must be an integer/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { message_id: 42 })),
      reason: /"message_id" must be a string/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { actor_name: null })),
      reason: /"actor_name" must be a string/,
    }),
    () => ({
      category: 'wrong type',
      body: json(validBody(queue, -1, { options: null })),
      reason: /"options" must be an object/,
    }),
    () => ({
      category: 'not an object',
      body: Buffer.from(['[]', '42', 'null', '"text"', 'true'][i % 5]!),
      reason: /not a JSON object/,
    }),
    () => {
      const key = ['queue_name', 'actor_name', 'args', 'kwargs', 'options', 'message_id', 'message_timestamp'][i % 7]!;
      return {
        category: 'missing key',
        body: json(validBody(queue, -1, {}, key)),
        reason: new RegExp(`missing key "${key}"`),
      };
    },
    () => ({ category: 'extra key', body: json(validBody(queue, -1, { extra: 1 })), reason: /unexpected key "extra"/ }),
    () => ({
      category: 'extra key',
      body: Buffer.from(`{"__proto__":{"polluted":1},${JSON.stringify(validBody(queue, -1)).slice(1)}`),
      reason: /unexpected key "__proto__"/,
    }),
    () => ({
      category: 'unknown actor',
      body: json(validBody(queue, -1, { actor_name: `no_such_actor_${i}` })),
      reason: /no actor named "no_such_actor_/,
    }),
    () => ({
      category: 'bad arguments',
      body: json(validBody(queue, -1, { kwargs: { nope: 1 } })),
      reason: /unexpected keyword argument 'nope'/,
    }),
    () => ({
      category: 'deeply nested',
      body: Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      reason: /nests deeper than/,
    }),
    () => {
      let args: unknown = 1;
      for (let d = 0; d < 200; d++) args = [args];
      return {
        category: 'deeply nested',
        body: json(validBody(queue, -1, { args: [args] })),
        reason: /nests deeper than/,
      };
    },
  ];
  return kinds[i % kinds.length]!();
}

describe('scenario 7: bad input on an actor queue', () => {
  it(`${BAD} bad bodies and one of 10 MB, mixed with valid ones: bad ones dead-lettered with a reason, valid ones processed, worker alive`, async () => {
    const logger = new CapturingLogger();
    const watch = new SecretWatch(user.secretForms);
    const queue = uniqueName('rel-bad');
    const url = amqpUrl(scenario.node().port, user);
    const broker = new DramatiqBroker({ strategy: 'shared', url, logger });
    const seen = new Set<number>();
    let badCalls = 0;
    broker.registerActor(
      ACTOR,
      (n: number) => {
        if (typeof n !== 'number' || n < 0) badCalls += 1;
        seen.add(n);
      },
      { queueName: queue },
    );
    const worker = broker.createWorker({ concurrency: 8, shutdownTimeout: 2_000 });
    const conn = await amqplib.connect(url);
    conn.on('error', () => undefined);
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    let peakRss = 0;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    try {
      await broker.declareQueue(queue);
      await worker.start();
      forceGc();
      const before = memoryMb();
      const started = Date.now();

      const cases: Case[] = [];
      let valid = 0;
      const publish = async (body: Buffer) => {
        ch.publish('', queue, body, { persistent: true });
      };
      for (let i = 0; i < BAD; i++) {
        const c = badCase(queue, i);
        cases.push(c);
        await publish(c.body);
        if (i % VALID_EVERY === VALID_EVERY - 1) await publish(json(validBody(queue, valid++)));
        if (i % 200 === 199) await ch.waitForConfirms();
      }
      // One 10 MB body (valid JSON start, never closed: undecodable), then a valid one.
      const huge: Case = {
        category: '10 MB body',
        body: Buffer.concat([Buffer.from('{"queue_name":"'), Buffer.alloc(10 * 1024 * 1024, 0x61)]),
        reason: /not valid JSON \(starts with "\{\\"queue_name\\":\\"a{20}/,
      };
      cases.push(huge);
      await publish(huge.body);
      await publish(json(validBody(queue, valid++)));
      await ch.waitForConfirms();
      // And some through the broker itself.
      for (let k = 0; k < 20; k++) await broker.send(ACTOR, { args: [valid++] });

      await waitFor(() => seen.size === valid, {
        timeoutMs: 120_000,
        intervalMs: 100,
        message: `all ${valid} valid messages processed (${seen.size})`,
      });
      await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead >= cases.length, {
        timeoutMs: 60_000,
        intervalMs: 250,
        message: `${cases.length} dead letters`,
      }).catch(() => undefined);
      await broker.join(queue, { timeout: 30_000, minSuccesses: 5 });
      await sleep(500);
      const counts = await broker.getQueueMessageCounts(queue);
      const elapsed = Date.now() - started;
      forceGc();
      const after = memoryMb();

      // The worker is alive: a message sent now is processed.
      await broker.send(ACTOR, { args: [valid] });
      await waitFor(() => seen.has(valid), { timeoutMs: 10_000, message: 'a message after the barrage processed' });

      const deadLines = logger.lines.filter((l) => l.includes('Dead-lettered'));
      const byCategory: Record<string, { sent: number; reasonLogged: number }> = {};
      for (const c of cases) {
        byCategory[c.category] ??= { sent: 0, reasonLogged: 0 };
        byCategory[c.category]!.sent += 1;
      }
      // Each category's reason must appear in as many dead-letter lines as it had bodies.
      const unmatched: string[] = [];
      const perReason = new Map<string, { re: RegExp; count: number; category: string }>();
      for (const c of cases) {
        const key = c.reason.source;
        const e = perReason.get(key) ?? { re: c.reason, count: 0, category: c.category };
        e.count += 1;
        perReason.set(key, e);
      }
      for (const { re, count, category } of perReason.values()) {
        const logged = deadLines.filter((l) => re.test(l)).length;
        byCategory[category]!.reasonLogged += Math.min(logged, count);
        if (logged < count) unmatched.push(`${category} ${re}: ${logged} of ${count} logged`);
      }
      const longest = Math.max(...logger.lines.map((l) => l.length));
      watch.addLines('log', logger.lines);
      watch.addJson('health', broker.health());

      recordFigures({
        scenario: '7-bad-input',
        variant: 'shared',
        sent: cases.length + valid,
        confirmed: cases.length + valid,
        processed: seen.size,
        lost: valid + 1 - seen.size,
        deadLettered: counts.dead,
        badBodies: cases.length,
        validBodies: valid,
        deadLetterLogLines: deadLines.length,
        longestLogLine: longest,
        rssBeforeMb: before.rss,
        rssPeakMb: Math.round(peakRss / 1048576),
        rssAfterMb: after.rss,
        heapBeforeMb: before.heap,
        heapAfterMb: after.heap,
        durationMs: elapsed,
        byCategory,
        notes: 'raw amqplib publishes to q; counts of q.XQ by passive declare',
      });

      expect(seen.size).toBe(valid + 1);
      expect(badCalls).toBe(0);
      expect(counts).toEqual({ ready: 0, delayed: 0, dead: cases.length });
      expect(deadLines.length).toBe(cases.length);
      expect(unmatched).toEqual([]);
      expect(worker.isRunning).toBe(true);
      expect(broker.health().status).toBe('up');
      // No body reaches the log: the 10 MB one least of all.
      expect(longest).toBeLessThan(2_000);
      // Memory bounded: the run keeps no bodies (the 10 MB one passes through). The process is
      // Jest's own, so RSS includes its bookkeeping; the live heap is the sharper check.
      expect(after.heap - before.heap).toBeLessThan(50);
      expect(after.rss - before.rss).toBeLessThan(150);
      expect(watch.leaks()).toEqual([]);
    } finally {
      clearInterval(rssTimer);
      await ch.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
      await worker.stop().catch(() => undefined);
      await broker.deleteQueue(queue).catch(() => undefined);
      await broker.close();
    }
  }, 300_000);
});
