/**
 * The per-file set-up shared by the scenarios that drive a load agent against a private node:
 * take the suite lock, start the node and build the agent bundle; undo it all afterwards.
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

export function useScenarioNode(lockName: string, nodeKey: NodeKey): ScenarioFixture {
  const user = makeAppUser();
  let releaseLock: (() => Promise<void>) | undefined;
  let node: PrivateRabbitNode | undefined;
  let bundle: Bundle | undefined;

  beforeAll(async () => {
    releaseLock = await acquireSuiteLock(lockName);
    [node, bundle] = await Promise.all([startScenarioNode(nodeKey, user), buildBundle()]);
  }, SUITE_LOCK_WAIT_MS + 120_000);

  afterAll(async () => {
    await node?.stop();
    await bundle?.dispose();
    await releaseLock?.();
  }, 120_000);

  return {
    user,
    node: () => node!,
    bundle: () => bundle!,
  };
}
