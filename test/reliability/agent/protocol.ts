/** Messages between a reliability test (parent) and its load agent (a child Node process). */
import type { ConnectionStrategy } from '../../../lib/core/options/broker-options.js';

export interface AgentConfig {
  label: string;
  strategy: ConnectionStrategy;
  url: string | string[];
  queue: string;
  /** Logical messages to get through (each is re-sent until one send of it is confirmed). */
  total: number;
  /** Sends started per second; 0 = as fast as the window allows. */
  ratePerSec: number;
  /** Most sends in flight at once. */
  window: number;
  concurrency: number;
  actorSleepMs: number;
  heartbeat: number;
  confirmTimeout: number;
  connectTimeout: number;
  retry: { maxRetries: number; intervalStart: number; intervalStep: number; intervalMax: number };
  queueType?: 'classic' | 'quorum';
  /** Pause before a rejected send is sent again, ms. */
  resendDelayMs: number;
  /** Bound on sends per logical message. */
  maxAttemptsPerMessage: number;
  /** Bound on waiting for every confirmed message to be processed, ms. */
  drainTimeoutMs: number;
  /** Extra wait once drained, for late redeliveries (duplicates) to show up, ms. */
  quietMs: number;
}

export interface AgentProgress {
  type: 'progress';
  t: number;
  sendsStarted: number;
  confirmed: number;
  processed: number;
  rejected: number;
  pending: number;
  /** Redacted addresses of the connections open right now. */
  addresses: string[];
  health: string;
}

export interface AgentResult {
  type: 'result';
  label: string;
  strategy: ConnectionStrategy;
  logical: number;
  sendsStarted: number;
  confirmed: number;
  rejected: number;
  rejectionKinds: Record<string, number>;
  /** Logical messages with no confirmed send after maxAttemptsPerMessage. */
  unconfirmedLogical: number;
  processedDeliveries: number;
  processedDistinctIds: number;
  /** Confirmed message ids no actor saw. */
  lost: number;
  lostSample: string[];
  /** Deliveries beyond the first of the same message id (redeliveries). */
  duplicatedDeliveries: number;
  /** Ids processed although their send rejected (stored anyway): the app's re-send then made a second copy. */
  storedDespiteRejection: number;
  /** Send promises not settled when the run ended. */
  pendingAtEnd: number;
  maxSettleMs: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
  processErrors: string[];
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  rssAfterCloseMb: number;
  sendPhaseMs: number;
  /** From the end of the send phase to every confirmed message processed. */
  drainMs: number;
  /** Waiting for the queue to be empty (join). */
  joinMs: number;
  durationMs: number;
  drained: boolean;
  /** Timestamps (ms since epoch) of every actor run, sorted. */
  processedTimes: number[];
  /** Health transitions: [t, status, reason]. */
  healthTimeline: Array<[number, string, string]>;
  logCounts: Record<string, number>;
  /** Log lines (WARN/ERROR all, LOG bounded). */
  logs: string[];
  /** Distinct texts of every error the app saw (message, stack, causes). */
  errorTexts: string[];
  /** Distinct health reports (JSON). */
  healthReports: string[];
  queueCounts?: { ready: number; delayed: number; dead: number };
  queueCountsError?: string;
  workerStats: unknown;
}

export type ParentMessage = { type: 'start'; config: AgentConfig } | { type: 'abort' };
export type ChildMessage = AgentProgress | AgentResult | { type: 'ready' } | { type: 'fatal'; error: string };
