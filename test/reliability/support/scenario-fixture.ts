/**
 * The per-file set-up shared by the scenarios on a private node: take the suite lock, start the
 * node and (for scenarios that drive a load agent) build the agent bundle; undo it all afterwards.
 */
import { afterAll, beforeAll } from '@jest/globals';
import type { PrivateRabbitNode } from '../../support/private-rabbit-node.js';
import { buildBundle, type Bundle } from './agent-client.js';
import { type AppUser, makeAppUser, type NodeKey, startScenarioNode } from './nodes.js';
import { acquireSuiteLock, SUITE_LOCK_WAIT_MS } from './suite-lock.js';

export interface ScenarioFixture {
  readonly user: AppUser;
  node(): PrivateRabbitNode;
  bundle(): Bundle;
}

export function useScenarioNode(
  lockName: string,
  nodeKey: NodeKey,
  options: { agentBundle?: boolean } = {},
): ScenarioFixture {
  const withBundle = options.agentBundle ?? true;
  const user = makeAppUser();
  let releaseLock: (() => Promise<void>) | undefined;
  let node: PrivateRabbitNode | undefined;
  let bundle: Bundle | undefined;

  beforeAll(async () => {
    releaseLock = await acquireSuiteLock(lockName);
    [node, bundle] = await Promise.all([startScenarioNode(nodeKey, user), withBundle ? buildBundle() : undefined]);
  }, SUITE_LOCK_WAIT_MS + 120_000);

  afterAll(async () => {
    await node?.stop();
    await bundle?.dispose();
    await releaseLock?.();
  }, 120_000);

  return {
    user,
    node: () => node!,
    bundle: () => {
      if (!bundle) throw new Error(`useScenarioNode('${lockName}') was set up without the agent bundle`);
      return bundle;
    },
  };
}
