/**
 * Scenario 3: a black-holed connection (the proxy stops forwarding but keeps both sockets open:
 * no FIN, no RST) with a 2 s heartbeat. Expected: the heartbeat notices (health down,
 * HeartbeatTimeoutError logged), a publish in flight rejects after confirmTimeout instead of
 * hanging, and everything recovers once the path heals.
 *
 * On the heartbeat bound: amqplib checks for incoming traffic once per interval and gives up at
 * the second check in a row that saw none, so it notices two to three intervals after the
 * last frame it received (lib/heartbeat.js in amqplib). The assertion is that documented bound;
 * the measured detection time is recorded in the figures.
 */
import { describe, expect, it } from '@jest/globals';
import { DramatiqBroker } from '../../lib/core/broker.js';
import { PublishConfirmTimeoutError } from '../../lib/core/publishing/publish.errors.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { CapturingLogger, uniqueName } from '../support/broker-fixtures.js';
import { sleep, waitFor } from '../support/wait.js';
import { recordFigures } from './support/figures.js';
import { amqpUrl } from './support/nodes.js';
import { useScenarioNode } from './support/scenario-fixture.js';
import { forceGc, memoryMb } from './support/memory.js';
import { SecretWatch } from './support/secrets.js';

const HEARTBEAT_S = 2;
const CONFIRM_TIMEOUT = 1_500;

const scenario = useScenarioNode('blackhole-heartbeat', 'heartbeat', { agentBundle: false });
const user = scenario.user;

interface Settled {
  ok: boolean;
  ms: number;
  error?: unknown;
}

function timed(p: Promise<unknown>): Promise<Settled> {
  const t0 = Date.now();
  return p.then(
    () => ({ ok: true, ms: Date.now() - t0 }),
    (error: unknown) => ({ ok: false, ms: Date.now() - t0, error }),
  );
}

describe.each(['shared', 'pooled'] as const)('scenario 3: black-holed connection (%s)', (strategy) => {
  it(`(${strategy}) is detected by the heartbeat, a publish times out on time, and it recovers when the path heals`, async () => {
    const proxy = await TcpProxy.start(scenario.node().port);
    const logger = new CapturingLogger();
    const watch = new SecretWatch(user.secretForms);
    const queue = uniqueName(`rel-hb-${strategy}`);
    const broker = new DramatiqBroker({
      strategy,
      url: amqpUrl(proxy.port, user),
      heartbeat: HEARTBEAT_S,
      confirmTimeout: CONFIRM_TIMEOUT,
      connectTimeout: 2_000,
      retry: { maxRetries: 60, intervalStart: 200, intervalStep: 200, intervalMax: 1_000 },
      logger,
    });
    const seen = new Set<number>();
    broker.registerActor('rel_hb', (n: number) => void seen.add(n), { queueName: queue });
    const worker = broker.createWorker({ concurrency: 4, shutdownTimeout: 2_000 });
    forceGc();
    const rssBefore = memoryMb().rss;
    try {
      await worker.start();
      await Promise.all(Array.from({ length: 20 }, (_, n) => broker.send('rel_hb', { args: [n] })));
      await waitFor(() => seen.size === 20, { timeoutMs: 10_000, message: 'warm-up messages processed' });
      expect(broker.health().status).toBe('up');

      // --- black hole on
      const t0 = Date.now();
      proxy.blackhole(true);
      // A publish on the stalled connection: must reject after confirmTimeout, not hang.
      const inFlight = timed(broker.send('rel_hb', { args: [100] }));
      let detectedAt = 0;
      await waitFor(
        () => {
          watch.addJson('health', broker.health());
          if (broker.health().status === 'down') detectedAt = Date.now();
          return detectedAt > 0;
        },
        { timeoutMs: 4 * HEARTBEAT_S * 1_000, intervalMs: 20, message: 'health down (heartbeat loss noticed)' },
      );
      const detectMs = detectedAt - t0;
      const stalled = await inFlight;
      watch.addError('send-before-detection', stalled.error);
      // A send made after the loss was noticed waits for the reconnect (buffered), bounded.
      const duringOutage = timed(broker.send('rel_hb', { args: [101] }));
      await sleep(1_500);
      const downReport = broker.health();
      watch.addJson('health', downReport);

      // --- path heals
      const t1 = Date.now();
      proxy.blackhole(false);
      await waitFor(() => broker.health().status === 'up', {
        timeoutMs: 20_000,
        intervalMs: 20,
        message: 'health up after the path healed',
      });
      const upMs = Date.now() - t1;
      const after = await timed(broker.send('rel_hb', { args: [102] }));
      await waitFor(() => seen.has(102), {
        timeoutMs: 10_000,
        intervalMs: 20,
        message: 'a message sent after healing processed',
      });
      const processedMs = Date.now() - t1;
      const outage = await duringOutage;
      watch.addError('send-during-outage', outage.error);
      watch.addError('send-after', after.error);
      if (outage.ok)
        await waitFor(() => seen.has(101), { timeoutMs: 10_000, message: 'the send made during the outage processed' });
      watch.addLines('log', logger.lines);
      watch.addJson('health', broker.health());
      watch.addJson('connections', broker.connections());

      recordFigures({
        scenario: '3-blackhole-heartbeat',
        variant: strategy,
        sent: 23,
        confirmed: 20 + (outage.ok ? 1 : 0) + (after.ok ? 1 : 0) + (stalled.ok ? 1 : 0),
        processed: seen.size,
        lost: 0,
        faults: 1,
        recoveryMaxMs: processedMs,
        heartbeatS: HEARTBEAT_S,
        detectMs,
        detectIntervals: Math.round((detectMs / (HEARTBEAT_S * 1000)) * 100) / 100,
        stalledPublishRejectedAfterMs: stalled.ms,
        stalledPublishError: stalled.error instanceof Error ? stalled.error.name : String(stalled.ok),
        sendDuringOutage: `${outage.ok ? 'resolved' : `rejected (${(outage.error as Error)?.name})`} after ${outage.ms} ms`,
        healthUpAfterHealMs: upMs,
        rssBeforeMb: rssBefore,
        rssAfterMb: (forceGc(), memoryMb().rss),
        notes: `heartbeat ${HEARTBEAT_S} s, confirmTimeout ${CONFIRM_TIMEOUT} ms`,
      });

      // Heartbeat: noticed within amqplib's bound (2 to 3 intervals after the last frame).
      expect(detectMs).toBeLessThanOrEqual(3 * HEARTBEAT_S * 1_000 + 500);
      expect(logger.text()).toMatch(/missed its heartbeats \(interval 2 s\)/);
      expect(downReport.status).toBe('down');
      // The publish on the stalled connection rejected on time with the confirm timeout.
      expect(stalled.ok).toBe(false);
      expect(stalled.error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect(stalled.ms).toBeLessThan(CONFIRM_TIMEOUT + 1_000);
      // Recovery after the path healed.
      expect(after.ok).toBe(true);
      expect(upMs).toBeLessThan(5_000);
      // Every send settled; a confirmed one was processed.
      expect(outage.ms).toBeLessThan(30_000);
      expect(seen.has(102)).toBe(true);
      expect(watch.leaks()).toEqual([]);
    } finally {
      await worker.stop().catch(() => undefined);
      await broker.deleteQueue(queue).catch(() => undefined);
      await broker.close();
      await proxy.close();
    }
  }, 90_000);
});
