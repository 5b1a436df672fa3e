/**
 * Scenario 2: the broker restarts (stop_app / start_app on a private node) in the middle of a
 * run. Durable queues and persistent messages survive; unacked deliveries come back after the
 * restart. Both strategies. Same figures as scenario 1; recovery is measured from the moment the
 * node accepts connections again (and from the start of the fault, for the record).
 *
 * Second case: an outage longer than the retry policy (connections give up, sends reject with
 * connection errors and are re-sent by the app, consumers restart on fresh connections once the
 * node is back).
 */
import { describe, expect, it } from '@jest/globals';
import { uniqueName } from '../support/broker-fixtures.js';
import { sleep, waitFor } from '../support/wait.js';
import { LoadAgent } from './support/agent-client.js';
import { loadFigures, recoveries } from './support/figures.js';
import { agentConfig, expectNoLoss, watchAgent } from './support/load.js';
import { amqpUrl } from './support/nodes.js';
import { sized } from './support/scale.js';
import { useScenarioNode } from './support/scenario-fixture.js';

const TOTAL = sized(3_000, 20_000);
const RATE = sized(500, 800);
const RESTARTS = sized(1, 2);
const DOWN_MS = sized(1_500, 3_000);
const RUN_TIMEOUT = sized(150_000, 600_000);

const scenario = useScenarioNode('broker-restart', 'restart');
const { user } = scenario;

describe.each(['shared', 'pooled'] as const)('scenario 2: broker restart (%s)', (strategy) => {
  it(
    `${TOTAL} messages across ${RESTARTS} restart(s): none lost, every send settles, consumers come back`,
    async () => {
      const agent = LoadAgent.start(
        scenario.bundle(),
        agentConfig({
          label: `restart-${strategy}`,
          strategy,
          url: amqpUrl(scenario.node().port, user),
          queue: uniqueName(`rel-restart-${strategy}`),
          total: TOTAL,
          ratePerSec: RATE,
        }),
        RUN_TIMEOUT,
      );
      const faultStart: number[] = [];
      const faultEnd: number[] = [];
      let finished = false;
      void agent.finished.then(() => (finished = true));
      try {
        for (let i = 0; i < RESTARTS; i++) {
          // Restart when (i+1)/(RESTARTS+1) of the messages are confirmed (bounded wait).
          const target = Math.floor(((i + 1) * TOTAL) / (RESTARTS + 1));
          await waitFor(() => finished || (agent.latest?.confirmed ?? 0) >= target, {
            timeoutMs: 120_000,
            intervalMs: 50,
            message: `${target} confirmed`,
          });
          if (finished) break;
          faultStart.push(Date.now());
          await scenario.node().stopApp();
          await sleep(DOWN_MS);
          await scenario.node().startApp();
          faultEnd.push(Date.now());
        }
      } finally {
        // Never leave the node stopped for the next test, whatever happened.
        if (faultStart.length > faultEnd.length)
          await scenario
            .node()
            .startApp()
            .catch(() => undefined);
      }
      const r = await agent.result();
      const recs = recoveries(faultStart, r.processedTimes, r.healthTimeline, faultEnd);
      const fromBack = recs.map((x, i) => (x.consumerBackMs === null ? null : x.at + x.consumerBackMs - faultEnd[i]!));
      loadFigures('2-broker-restart', strategy, r, recs, {
        notes: `${RESTARTS} stop_app/start_app, ${DOWN_MS} ms down; recovery counted from the fault start`,
        outageMs: faultStart.map((s, i) => faultEnd[i]! - s),
        consumerBackAfterStartAppMs: fromBack,
      });

      expectNoLoss(r);
      expect(faultStart.length).toBe(RESTARTS);
      expect(recs.every((x) => x.consumerBackMs !== null)).toBe(true);
      // Consumers back within 5 s of the node accepting connections again (retry interval max 1 s).
      expect(fromBack.every((x) => x !== null && x <= 5_000)).toBe(true);
      expect(watchAgent(user.secretForms, agent, r).leaks()).toEqual([]);
    },
    RUN_TIMEOUT + 60_000,
  );
});

const LONG_TOTAL = sized(2_000, 10_000);
const LONG_DOWN_MS = sized(6_000, 15_000);

// CI runs the pooled strategy only (more connections give up and restart); full runs both.
describe.each(sized(['pooled'] as const, ['shared', 'pooled'] as const))(
  'scenario 2b: outage longer than the retry policy (%s)',
  (strategy) => {
    it(
      `${LONG_TOTAL} messages, node down ${LONG_DOWN_MS} ms while retries give up after ~1 s: none lost, consumers come back`,
      async () => {
        const agent = LoadAgent.start(
          scenario.bundle(),
          agentConfig({
            label: `long-outage-${strategy}`,
            strategy,
            url: amqpUrl(scenario.node().port, user),
            queue: uniqueName(`rel-long-${strategy}`),
            total: LONG_TOTAL,
            ratePerSec: RATE,
            retry: { maxRetries: 2, intervalStart: 200, intervalStep: 200, intervalMax: 500 },
            resendDelayMs: 250,
            maxAttemptsPerMessage: 400,
          }),
          RUN_TIMEOUT,
        );
        let finished = false;
        void agent.finished.then(() => (finished = true));
        let faultStart = 0;
        let faultEnd = 0;
        try {
          await waitFor(() => finished || (agent.latest?.confirmed ?? 0) >= LONG_TOTAL / 3, {
            timeoutMs: 120_000,
            intervalMs: 50,
            message: 'a third confirmed',
          });
          if (!finished) {
            faultStart = Date.now();
            await scenario.node().stopApp();
            await sleep(LONG_DOWN_MS);
            await scenario.node().startApp();
            faultEnd = Date.now();
          }
        } finally {
          if (faultStart > 0 && faultEnd === 0)
            await scenario
              .node()
              .startApp()
              .catch(() => undefined);
        }
        const r = await agent.result();
        const recs = recoveries(
          faultStart ? [faultStart] : [],
          r.processedTimes,
          r.healthTimeline,
          faultEnd ? [faultEnd] : [],
        );
        const fromBack = recs.map((x) => (x.consumerBackMs === null ? null : x.at + x.consumerBackMs - faultEnd));
        loadFigures('2b-long-outage', strategy, r, recs, {
          notes: `stop_app for ${LONG_DOWN_MS} ms, retry policy gives up after ~1 s; the app re-sends rejected sends`,
          outageMs: [faultEnd - faultStart],
          consumerBackAfterStartAppMs: fromBack,
        });

        expectNoLoss(r);
        expect(faultStart).toBeGreaterThan(0);
        // Sends did reject during the outage (the retry policy gave up) and were re-sent.
        expect(r.rejected).toBeGreaterThan(0);
        // Consumers restart on their own once the node is back (restart delay >= 1 s).
        expect(fromBack[0]).not.toBeNull();
        expect(fromBack[0]!).toBeLessThan(10_000);
        expect(watchAgent(user.secretForms, agent, r).leaks()).toEqual([]);
      },
      RUN_TIMEOUT + 60_000,
    );
  },
);
