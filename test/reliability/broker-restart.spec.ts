/**
 * Scenario 2: the broker restarts (stop_app / start_app on a private node) in the middle of a
 * run. Durable queues and persistent messages survive; unacked deliveries come back after the
 * restart. Both strategies. Same figures as scenario 1; recovery is measured from the moment the
 * node accepts connections again (and from the start of the fault, for the record).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PrivateRabbitNode } from '../support/private-rabbit-node.js';
import { uniqueName } from '../support/broker-fixtures.js';
import { sleep, waitFor } from '../support/wait.js';
import { buildBundle, type Bundle, LoadAgent } from './support/agent-client.js';
import { loadFigures, recoveries } from './support/figures.js';
import { agentConfig, expectNoLoss, watchAgent } from './support/load.js';
import { amqpUrl, makeAppUser, startScenarioNode } from './support/nodes.js';
import { sized } from './support/scale.js';

const TOTAL = sized(3_000, 20_000);
const RATE = sized(500, 800);
const RESTARTS = sized(1, 2);
const DOWN_MS = sized(1_500, 3_000);
const RUN_TIMEOUT = sized(150_000, 600_000);

const user = makeAppUser();
let node: PrivateRabbitNode;
let bundle: Bundle;

beforeAll(async () => {
  [node, bundle] = await Promise.all([startScenarioNode('restart', user), buildBundle()]);
}, 120_000);

afterAll(async () => {
  await node?.stop();
  await bundle?.dispose();
}, 120_000);

describe.each(['shared', 'pooled'] as const)('scenario 2: broker restart (%s)', (strategy) => {
  it(`${TOTAL} messages across ${RESTARTS} restart(s): none lost, every send settles, consumers come back`, async () => {
    const agent = LoadAgent.start(
      bundle,
      agentConfig({ label: `restart-${strategy}`, strategy, url: amqpUrl(node.port, user), queue: uniqueName(`rel-restart-${strategy}`), total: TOTAL, ratePerSec: RATE }),
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
        await waitFor(() => finished || (agent.latest?.confirmed ?? 0) >= target, { timeoutMs: 120_000, intervalMs: 50, message: `${target} confirmed` });
        if (finished) break;
        faultStart.push(Date.now());
        await node.stopApp();
        await sleep(DOWN_MS);
        await node.startApp();
        faultEnd.push(Date.now());
      }
    } finally {
      // Never leave the node stopped for the next test, whatever happened.
      if (faultStart.length > faultEnd.length) await node.startApp().catch(() => undefined);
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
  }, RUN_TIMEOUT + 60_000);
});
