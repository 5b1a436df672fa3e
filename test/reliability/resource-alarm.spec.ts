/**
 * Scenario 4: a memory alarm on a private node (vm_memory_high_watermark 0: RabbitMQ blocks every
 * publishing connection). Expected: sends reject with PublishConfirmTimeoutError after
 * confirmTimeout instead of hanging, health says 'degraded', and everything resumes once the
 * alarm clears (watermark back to 0.4). The test re-sends what rejected, as an application would,
 * and counts the copies that were stored anyway (a blocked publish is only held up, not dropped).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { DramatiqBroker } from '../../lib/core/broker.js';
import { CurrentMessage } from '../../lib/core/middleware/current-message.js';
import { defaultMiddleware } from '../../lib/core/middleware/default-middleware.js';
import { PublishConfirmTimeoutError } from '../../lib/core/publishing/publish.errors.js';
import { CapturingLogger, uniqueName } from '../support/broker-fixtures.js';
import { sleep, waitFor } from '../support/wait.js';
import { recordFigures } from './support/figures.js';
import { amqpUrl } from './support/nodes.js';
import { useScenarioNode } from './support/scenario-fixture.js';
import { sized } from './support/scale.js';
import { forceGc, memoryMb } from './support/memory.js';
import { SecretWatch } from './support/secrets.js';

const CONFIRM_TIMEOUT = 1_500;
const DURING_ALARM = sized(10, 50);
const ALARM_MS = sized(4_000, 8_000);

const scenario = useScenarioNode('resource-alarm', 'alarm', { agentBundle: false });
const user = scenario.user;

afterAll(async () => {
  // Leave no alarm behind, whatever the tests did (harmless once the node is stopped).
  await Promise.resolve()
    .then(() => scenario.node().setMemoryHighWatermark(0.4))
    .catch(() => undefined);
}, 120_000);

interface Attempt {
  n: number;
  ok: boolean;
  ms: number;
  id?: string;
  error?: unknown;
}

describe.each(['shared', 'pooled'] as const)('scenario 4: resource alarm (%s)', (strategy) => {
  it(`(${strategy}) publishes reject by the confirm timeout, health is degraded, all resumes after the alarm`, async () => {
    const logger = new CapturingLogger();
    const watch = new SecretWatch(user.secretForms);
    const queue = uniqueName(`rel-alarm-${strategy}`);
    const broker = new DramatiqBroker({
      strategy,
      url: amqpUrl(scenario.node().port, user),
      confirmTimeout: CONFIRM_TIMEOUT,
      heartbeat: 5,
      retry: { maxRetries: 30, intervalStart: 200, intervalStep: 200, intervalMax: 1_000 },
      logger,
      middleware: [...defaultMiddleware(), new CurrentMessage()],
    });
    const processed = new Map<string, number>();
    const logicalSeen = new Set<number>();
    broker.registerActor(
      'rel_alarm',
      (n: number) => {
        const id = CurrentMessage.get()!.message_id;
        processed.set(id, (processed.get(id) ?? 0) + 1);
        logicalSeen.add(n);
      },
      { queueName: queue },
    );
    const worker = broker.createWorker({ concurrency: 4, shutdownTimeout: 2_000 });
    const attempts: Attempt[] = [];
    const sendOnce = async (n: number): Promise<Attempt> => {
      const t0 = Date.now();
      try {
        const msg = await broker.send('rel_alarm', { args: [n] });
        const a = { n, ok: true, ms: Date.now() - t0, id: msg.message_id };
        attempts.push(a);
        return a;
      } catch (error) {
        watch.addError('send', error);
        const a = { n, ok: false, ms: Date.now() - t0, error };
        attempts.push(a);
        return a;
      }
    };
    let alarmOn = false;
    try {
      await worker.start();
      for (let n = 0; n < 10; n++) expect((await sendOnce(n)).ok).toBe(true);
      await waitFor(() => logicalSeen.size === 10, { timeoutMs: 10_000, message: 'warm-up processed' });

      forceGc();
      const rssBefore = memoryMb().rss;
      // --- alarm on
      const t0 = Date.now();
      await scenario.node().setMemoryHighWatermark(0);
      alarmOn = true;
      const duringAlarm = await Promise.all(Array.from({ length: DURING_ALARM }, (_, i) => sendOnce(10 + i)));
      await waitFor(() => broker.health().status === 'degraded', {
        timeoutMs: 10_000,
        intervalMs: 50,
        message: 'health degraded',
      });
      const degraded = broker.health();
      watch.addJson('health', degraded);
      // A send made while health already says degraded: also bounded by the confirm timeout.
      const late = await sendOnce(10 + DURING_ALARM);
      const remaining = ALARM_MS - (Date.now() - t0);
      if (remaining > 0) await sleep(remaining);

      // --- alarm off
      const t1 = Date.now();
      await scenario.node().setMemoryHighWatermark(0.4);
      alarmOn = false;
      await waitFor(() => broker.health().status === 'up', {
        timeoutMs: 20_000,
        intervalMs: 50,
        message: 'health up after the alarm',
      });
      const upMs = Date.now() - t1;
      // The application re-sends what rejected (bounded rounds).
      const rejectedDuringAlarm = [...duringAlarm, late].filter((a) => !a.ok).map((a) => a.n);
      let pendingNumbers = [...rejectedDuringAlarm];
      for (let round = 0; round < 20 && pendingNumbers.length > 0; round++) {
        const results = await Promise.all(pendingNumbers.map((n) => sendOnce(n)));
        pendingNumbers = results.filter((a) => !a.ok).map((a) => a.n);
        if (pendingNumbers.length > 0) await sleep(500);
      }
      const extra = await sendOnce(1_000);
      const total = 10 + DURING_ALARM + 1;
      await waitFor(() => logicalSeen.size === total + 1, {
        timeoutMs: 30_000,
        intervalMs: 50,
        message: 'every message processed after the alarm',
      });
      const recoveredMs = Date.now() - t1;
      await broker.join(queue, { timeout: 15_000, minSuccesses: 5 });
      await sleep(1_000);
      const counts = await broker.getQueueMessageCounts(queue);

      const confirmedIds = attempts.filter((a) => a.ok).map((a) => a.id!);
      const lost = confirmedIds.filter((id) => !processed.has(id)).length;
      const storedDespiteRejection = [...processed.keys()].filter((id) => !confirmedIds.includes(id)).length;
      const duplicated = [...processed.values()].reduce((s, c) => s + c - 1, 0);
      const alarmSends = [...duringAlarm, late];
      watch.addLines('log', logger.lines);
      watch.addJson('health', broker.health());
      watch.addJson('connections', broker.connections());
      recordFigures({
        scenario: '4-resource-alarm',
        variant: strategy,
        sent: attempts.length,
        confirmed: confirmedIds.length,
        processed: processed.size,
        lost,
        duplicated,
        resent: attempts.filter((a) => !a.ok).length,
        storedDespiteRejection,
        deadLettered: counts.dead,
        faults: 1,
        recoveryMaxMs: recoveredMs,
        healthUpAfterClearMs: upMs,
        rssBeforeMb: rssBefore,
        rssAfterMb: (forceGc(), memoryMb().rss),
        alarmSendsRejected: alarmSends.filter((a) => !a.ok).length,
        alarmSendsSlowestMs: Math.max(...alarmSends.map((a) => a.ms)),
        notes: `${ALARM_MS} ms alarm, confirmTimeout ${CONFIRM_TIMEOUT} ms, ${alarmSends.length} sends during it`,
      });

      // No send hangs past the confirm timeout (plus scheduling slack).
      for (const a of alarmSends) {
        expect(a.ok).toBe(false);
        expect(a.error).toBeInstanceOf(PublishConfirmTimeoutError);
        expect(a.ms).toBeLessThan(CONFIRM_TIMEOUT + 1_000);
      }
      expect(degraded.reason).toMatch(/RabbitMQ blocks .*memory/);
      expect(logger.text()).toMatch(/RabbitMQ blocked/);
      // Resumed: every confirmed message processed, nothing dead-lettered, nothing left.
      expect(extra.ok).toBe(true);
      expect(lost).toBe(0);
      expect(counts).toEqual({ ready: 0, delayed: 0, dead: 0 });
      expect(upMs).toBeLessThan(10_000);
      expect(watch.leaks()).toEqual([]);
    } finally {
      if (alarmOn)
        await scenario
          .node()
          .setMemoryHighWatermark(0.4)
          .catch(() => undefined);
      await worker.stop().catch(() => undefined);
      await broker.deleteQueue(queue).catch(() => undefined);
      await broker.close();
    }
  }, 120_000);
});
