/**
 * Scenario 1: messages sent and processed while the TCP connection is cut every few seconds
 * (TcpProxy.cut: both sockets destroyed, the client sees "Unexpected close"; every second fault is
 * a TcpProxy.reset instead: a TCP RST, ECONNRESET). Both strategies.
 *
 * The application runs in a child process (the load agent) so that unhandled rejections are
 * counted with process.on('unhandledRejection') and RSS is the application's own.
 * Figures: see support/figures.ts; RELIABILITY_SCALE=full sends 20,000 messages per strategy.
 */
import { describe, expect, it } from '@jest/globals';
import { TcpProxy } from '../support/tcp-proxy.js';
import { uniqueName } from '../support/broker-fixtures.js';
import { sleep } from '../support/wait.js';
import { LoadAgent } from './support/agent-client.js';
import { loadFigures, recoveries } from './support/figures.js';
import { agentConfig, expectNoLoss, watchAgent } from './support/load.js';
import { amqpUrl } from './support/nodes.js';
import { sized } from './support/scale.js';
import { useScenarioNode } from './support/scenario-fixture.js';

const TOTAL = sized(3_000, 20_000);
const RATE = sized(600, 800);
const CUT_EVERY_MS = sized(1_500, 3_000);
const MAX_CUTS = sized(8, 20);
const RUN_TIMEOUT = sized(150_000, 600_000);

const scenario = useScenarioNode('connection-cuts', 'cuts');
const { user } = scenario;

describe.each(['shared', 'pooled'] as const)('scenario 1: connection cuts (%s)', (strategy) => {
  it(
    `${TOTAL} messages: none lost, every send settles, no unhandled rejection, consumers back within 2 s of each cut`,
    async () => {
      const proxy = await TcpProxy.start(scenario.node().port);
      try {
        const agent = LoadAgent.start(
          scenario.bundle(),
          agentConfig({
            label: `cuts-${strategy}`,
            strategy,
            url: amqpUrl(proxy.port, user),
            queue: uniqueName(`rel-cuts-${strategy}`),
            total: TOTAL,
            ratePerSec: RATE,
          }),
          RUN_TIMEOUT,
        );
        const cuts: number[] = [];
        let finished = false;
        void agent.finished.then(() => (finished = true));
        // Bounded: at most MAX_CUTS (and a few more rounds), only while messages are still to be processed.
        for (let round = 0; !finished && cuts.length < MAX_CUTS && round < MAX_CUTS * 3; round++) {
          await Promise.race([sleep(CUT_EVERY_MS), agent.finished]);
          const p = agent.latest;
          if (finished || (p && p.processed >= TOTAL)) break;
          // No progress report yet (a slow start on a loaded machine): not a reason to stop cutting.
          if (!p) continue;
          // Alternate a clean cut (FIN: "Unexpected close") and a reset (RST: ECONNRESET).
          if (cuts.length % 2 === 0) proxy.cut();
          else proxy.reset();
          cuts.push(Date.now());
        }
        const r = await agent.result();
        const recs = recoveries(cuts, r.processedTimes, r.healthTimeline);
        loadFigures('1-connection-cuts', strategy, r, recs, {
          notes: `cut or reset every ${CUT_EVERY_MS} ms at ~${RATE} msg/s`,
        });

        expectNoLoss(r);
        expect(cuts.length).toBeGreaterThanOrEqual(2);
        // Consumers back within 2 s of every cut that had messages after it.
        const slow = recs.filter((x) => x.consumerBackMs !== null && x.consumerBackMs > 2_000);
        expect(slow).toEqual([]);
        expect(recs.filter((x) => x.consumerBackMs !== null).length).toBeGreaterThanOrEqual(1);
        expect(watchAgent(user.secretForms, agent, r).leaks()).toEqual([]);
        expect(r.rssAfterMb).toBeLessThan(r.rssBeforeMb + 200);
      } finally {
        await proxy.close();
      }
    },
    RUN_TIMEOUT + 30_000,
  );
});
