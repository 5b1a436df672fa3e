/**
 * Scenario 5: a three-node cluster of private nodes (support/cluster.ts), quorum queues
 * (queueType 'quorum': q, q.DQ and q.XQ replicated on all three nodes), the client given the URL
 * list of all three nodes. In the middle of the run the node the client is connected to is
 * stopped (stop_app): the client must fail over to another node of its list and lose nothing.
 * Both strategies, one after the other on the same cluster (the stopped node is started again
 * between them).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import type { PrivateRabbitNode } from '../support/private-rabbit-node.js';
import { uniqueName } from '../support/broker-fixtures.js';
import { waitFor } from '../support/wait.js';
import { buildBundle, type Bundle, LoadAgent } from './support/agent-client.js';
import { type Cluster, runningNodes, startCluster } from './support/cluster.js';
import { loadFigures, recoveries, resultsDir } from './support/figures.js';
import { agentConfig, expectNoLoss, watchAgent } from './support/load.js';
import { amqpUrl, makeAppUser } from './support/nodes.js';
import { sized } from './support/scale.js';
import { acquireSuiteLock, SUITE_LOCK_WAIT_MS } from './support/suite-lock.js';

// The node stops at 40 % of the sends; those after it must outlast the failover (quorum queue
// leaders move, the client reconnects: about 3 s here), or no message is processed once health is
// up again and the recovery cannot be timed. At 400 msg/s, 4,000 leave 6 s after the stop.
const TOTAL = sized(4_000, 20_000);
const RATE = sized(400, 800);
const RUN_TIMEOUT = sized(150_000, 600_000);

let releaseLock: (() => Promise<void>) | undefined;
const user = makeAppUser();
let cluster: Cluster;
let bundle: Bundle;

beforeAll(async () => {
  releaseLock = await acquireSuiteLock('cluster-failover');
  [cluster, bundle] = await Promise.all([startCluster(user), buildBundle()]);
  console.log(`[reliability] cluster formed in ${cluster.formedInMs} ms ${JSON.stringify(cluster.timings)}`);
}, SUITE_LOCK_WAIT_MS + 180_000);

afterAll(async () => {
  // Node logs next to the figures, for diagnosis.
  if (cluster) {
    fs.mkdirSync(resultsDir(), { recursive: true });
    for (const n of cluster.nodes)
      fs.writeFileSync(path.join(resultsDir(), `5-cluster-${n.nodeName}.log`), await n.readLog(256 * 1024));
  }
  await cluster?.stop();
  await bundle?.dispose();
  await releaseLock?.();
}, 120_000);

/** The port in an address such as "shared:connected:amqp://127.0.0.1:5730 (vhost '/')". */
function portsOf(addresses: readonly string[]): number[] {
  return addresses.map((a) => Number(/:(\d+) \(vhost/.exec(a)?.[1])).filter((p) => p > 0);
}

describe.each(['shared', 'pooled'] as const)('scenario 5: cluster failover (%s)', (strategy) => {
  it(
    `${TOTAL} messages on quorum queues; the connected node stops mid-run: none lost, the client fails over`,
    async () => {
      const urls = cluster.nodes.map((n) => amqpUrl(n.port, user));
      const agent = LoadAgent.start(
        bundle,
        agentConfig({
          label: `cluster-${strategy}`,
          strategy,
          url: urls,
          queue: uniqueName(`rel-cluster-${strategy}`),
          total: TOTAL,
          ratePerSec: RATE,
          queueType: 'quorum',
        }),
        RUN_TIMEOUT,
      );
      let finished = false;
      void agent.finished.then(() => (finished = true));
      let stopped: PrivateRabbitNode | undefined;
      let stoppedAt = 0;
      let stopDone = 0;
      let addressesBefore: string[] = [];
      const addressesAfter = new Set<string>();
      agent.onProgress((p) => {
        // Snapshots taken once stop_app has returned (the node closed its connections by then).
        if (stopDone > 0 && p.t > stopDone + 200)
          for (const a of p.addresses) if (a.includes(':connected:')) addressesAfter.add(a);
      });
      try {
        await waitFor(() => finished || (agent.latest?.confirmed ?? 0) >= TOTAL * 0.4, {
          timeoutMs: 120_000,
          intervalMs: 50,
          message: '40% confirmed',
        });
        if (!finished) {
          addressesBefore = agent.latest!.addresses;
          const port = portsOf(addressesBefore)[0];
          stopped = cluster.nodes.find((n) => n.port === port);
          if (!stopped)
            throw new Error(`the client is connected to no cluster node: ${JSON.stringify(addressesBefore)}`);
          stoppedAt = Date.now();
          await stopped.stopApp();
          stopDone = Date.now();
        }
        const r = await agent.result();
        const recs = recoveries(stoppedAt ? [stoppedAt] : [], r.processedTimes, r.healthTimeline);
        const after = [...addressesAfter];
        loadFigures('5-cluster-failover', strategy, r, recs, {
          notes: `3 nodes, quorum queues, stop_app of ${stopped?.nodeName ?? '-'} at 40%`,
          connectedBefore: addressesBefore,
          connectedAfter: after,
          clusterFormedMs: cluster.formedInMs,
        });

        expectNoLoss(r);
        expect(stopped).toBeDefined();
        // Failed over: after the stop, connections are open on the other nodes only.
        expect(after.length).toBeGreaterThan(0);
        expect(portsOf(after).every((p) => p !== stopped!.port)).toBe(true);
        expect(recs[0]?.consumerBackMs ?? Infinity).toBeLessThan(15_000);
        expect(watchAgent(user.secretForms, agent, r).leaks()).toEqual([]);
      } finally {
        if (stopped) {
          await stopped.startApp().catch(() => undefined);
          await waitFor(
            async () =>
              (
                await runningNodes(
                  cluster.nodes[0]!.nodeName === stopped!.nodeName ? cluster.nodes[1]! : cluster.nodes[0]!,
                )
              ).length === 3,
            {
              timeoutMs: 30_000,
              intervalMs: 500,
              message: 'the stopped node back in the cluster',
            },
          ).catch(() => undefined);
        }
      }
    },
    RUN_TIMEOUT + 60_000,
  );
});
