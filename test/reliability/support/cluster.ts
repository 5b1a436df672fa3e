/**
 * A three-node RabbitMQ cluster made of private nodes (requirement 5).
 *
 * The harness gives every node its own HOME, hence its own Erlang cookie, and boots the node
 * before a caller could put another cookie there. Nodes 2 and 3 therefore adopt node 1's cookie at
 * run time (`erlang:set_cookie/2` through `rabbitmqctl eval`), and the same cookie is written into
 * their HOME so the CLI (and a later restart of that node) keeps using it. Then the usual recipe:
 * stop_app, reset, join_cluster rel-c1@localhost, start_app.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PrivateRabbitNode } from '../../support/private-rabbit-node.js';
import { waitFor } from '../../support/wait.js';
import { type AppUser, distPortFor, NODES, startScenarioNode } from './nodes.js';

export interface Cluster {
  readonly nodes: PrivateRabbitNode[];
  /** Formation time, ms (starts, cookie, joins). */
  readonly formedInMs: number;
  readonly timings: Record<string, number>;
  stop(): Promise<void>;
}

async function adoptCookie(node: PrivateRabbitNode, cookie: string): Promise<void> {
  if (!/^[A-Za-z0-9]+$/.test(cookie)) throw new Error('unexpected characters in the Erlang cookie');
  // Switch the running VM first (the CLI still holds the old cookie), then the file.
  await node.ctl('eval', `erlang:set_cookie(node(), '${cookie}').`);
  const file = path.join(node.env.HOME!, '.erlang.cookie');
  await fs.chmod(file, 0o600).catch(() => undefined);
  await fs.writeFile(file, cookie);
  await fs.chmod(file, 0o400);
}

export async function runningNodes(node: PrivateRabbitNode): Promise<string[]> {
  const out = await node.ctl('-q', 'cluster_status', '--formatter', 'json');
  const status = JSON.parse(out) as { running_nodes?: string[] };
  return status.running_nodes ?? [];
}

export async function startCluster(user: AppUser): Promise<Cluster> {
  const t0 = Date.now();
  const started: PrivateRabbitNode[] = [];
  const timings: Record<string, number> = {};
  const stopAll = async () => {
    await Promise.all(started.map((n) => n.stop().catch(() => undefined)));
  };
  try {
    // All three boot in parallel; the user is created on node 1 only (joining resets nodes 2
    // and 3, and they get node 1's users).
    const boots = await Promise.allSettled(
      (['cluster1', 'cluster2', 'cluster3'] as const).map((key) =>
        key === 'cluster1'
          ? startScenarioNode(key, user)
          : PrivateRabbitNode.start({
              name: NODES[key].name,
              port: NODES[key].port,
              distPort: distPortFor(NODES[key].port),
            }),
      ),
    );
    for (const b of boots) if (b.status === 'fulfilled') started.push(b.value);
    const failed = boots.find((b) => b.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [first, ...others] = started;
    timings.bootMs = Date.now() - t0;
    const cookie = (await fs.readFile(path.join(first!.env.HOME!, '.erlang.cookie'), 'utf8')).trim();
    for (const n of others!) {
      await adoptCookie(n, cookie);
      await n.ctl('-q', 'stop_app');
      await n.ctl('-q', 'reset');
      await n.ctl('-q', 'join_cluster', first!.nodeName);
      await n.startApp();
    }
    timings.joinedMs = Date.now() - t0;
    await waitFor(async () => (await runningNodes(first!)).length === 3, {
      timeoutMs: 30_000,
      intervalMs: 500,
      message: 'three running nodes',
    });
    return { nodes: [first!, ...others], formedInMs: Date.now() - t0, timings, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
