/** Shared pieces of the load scenarios (1, 2, 5). */
import { expect } from '@jest/globals';
import type { AgentConfig, AgentResult } from '../agent/protocol.js';
import type { LoadAgent } from './agent-client.js';
import { SecretWatch } from './secrets.js';

export function agentConfig(
  c: Pick<AgentConfig, 'label' | 'strategy' | 'url' | 'queue' | 'total'> & Partial<AgentConfig>,
): AgentConfig {
  return {
    ratePerSec: 0,
    window: 200,
    concurrency: 16,
    actorSleepMs: 1,
    heartbeat: 5,
    confirmTimeout: 5_000,
    connectTimeout: 5_000,
    retry: { maxRetries: 30, intervalStart: 100, intervalStep: 200, intervalMax: 1_000 },
    resendDelayMs: 200,
    maxAttemptsPerMessage: 100,
    drainTimeoutMs: 120_000,
    quietMs: 1_500,
    ...c,
  };
}

/** Feeds everything the agent's user could have seen into a SecretWatch. */
export function watchAgent(secretForms: readonly string[], agent: LoadAgent, r: AgentResult): SecretWatch {
  const watch = new SecretWatch(secretForms);
  watch.addLines('log', r.logs);
  watch.addLines('error', r.errorTexts);
  watch.addLines('health', r.healthReports);
  watch.addLines('process', r.processErrors);
  watch.add('stdout', agent.stdout.toString());
  watch.add('stderr', agent.stderr.toString());
  return watch;
}

/** The at-least-once assertions every load scenario makes. */
export function expectNoLoss(r: AgentResult): void {
  // Diagnostics first, so a failure shows why.
  const summary = {
    lost: r.lost,
    lostSample: r.lostSample,
    unconfirmedLogical: r.unconfirmedLogical,
    pendingAtEnd: r.pendingAtEnd,
    unhandledRejections: r.unhandledRejections,
    uncaughtExceptions: r.uncaughtExceptions,
    processErrors: r.processErrors,
    drained: r.drained,
    queueCounts: r.queueCounts,
  };
  expect(summary).toEqual({
    lost: 0,
    lostSample: [],
    unconfirmedLogical: 0,
    pendingAtEnd: 0,
    unhandledRejections: 0,
    uncaughtExceptions: 0,
    processErrors: [],
    drained: true,
    queueCounts: { ready: 0, delayed: 0, dead: 0 },
  });
  expect(r.confirmed).toBeGreaterThanOrEqual(r.logical);
}
