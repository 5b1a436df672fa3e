/**
 * Figures of a reliability scenario: written as one JSON file per scenario/variant to
 * RELIABILITY_RESULTS_DIR. scripts/reliability.mjs sets it to .tmp/reliability/results-<scale>
 * and collects the files into a table and .tmp/reliability/results-<scale>.json; a plain Jest run writes to
 * .tmp/reliability/jest-results (so it never mixes with a full run's figures).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentResult } from '../agent/protocol.js';
import { REPO_ROOT } from './agent-client.js';
import { SCALE } from './scale.js';

export interface Figures {
  scenario: string;
  variant: string;
  /** ci or full (filled in by recordFigures). */
  scale?: string;
  sent?: number;
  confirmed?: number;
  processed?: number;
  lost?: number;
  duplicated?: number;
  /** Sends that rejected and were sent again by the test (as an app would). */
  resent?: number;
  /** Stored although their send rejected (the re-send then made a second copy). */
  storedDespiteRejection?: number;
  deadLettered?: number;
  pendingAtEnd?: number;
  unhandledRejections?: number;
  faults?: number;
  /** Worst / median time from a fault to consumers processing again, ms. */
  recoveryMaxMs?: number | null;
  recoveryMedianMs?: number | null;
  rssBeforeMb?: number;
  rssPeakMb?: number;
  rssAfterMb?: number;
  durationMs?: number;
  notes?: string;
  [extra: string]: unknown;
}

export function resultsDir(): string {
  return process.env.RELIABILITY_RESULTS_DIR ?? path.join(REPO_ROOT, '.tmp', 'reliability', 'jest-results');
}

export function recordFigures(f: Figures): Figures {
  const full: Figures = { ...f, scale: SCALE };
  const dir = resultsDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${f.scenario}-${f.variant}`.replace(/[^A-Za-z0-9._-]+/g, '_') + '.json');
  fs.writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
  // Also on the console, for `jest --verbose` readers.
  console.log(`[reliability] ${JSON.stringify(full)}`);
  return full;
}

function firstAtOrAfter(sorted: readonly number[], t: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}

export interface FaultRecovery {
  at: number;
  /** Fault to health 'up' again (null: health never left 'up' in the 20 ms samples). */
  healthUpMs: number | null;
  /** Fault to the first message processed after health was up again. */
  consumerBackMs: number | null;
}

/**
 * For each fault time: when health was 'up' again after going down, and when the first message
 * was processed after that (a message processed before reconnection can only be one delivered
 * on the old connection, so it does not count).
 */
export function recoveries(
  faults: readonly number[],
  processedTimes: readonly number[],
  timeline: ReadonlyArray<readonly [number, string, string]>,
  faultEnd: readonly number[] = faults,
): FaultRecovery[] {
  return faults.map((at, i) => {
    const from = faultEnd[i] ?? at;
    const next = faults[i + 1] ?? Infinity;
    const down = timeline.find(([t, s]) => t >= at && t < next && s !== 'up');
    const up = down ? timeline.find(([t, s]) => t >= down[0] && s === 'up') : undefined;
    const ref = up ? up[0] : from;
    const firstProcessed = firstAtOrAfter(processedTimes, ref);
    return {
      at,
      healthUpMs: up ? up[0] - at : null,
      consumerBackMs: firstProcessed !== undefined && firstProcessed < next ? firstProcessed - at : null,
    };
  });
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The common figures of a load run. */
export function loadFigures(
  scenario: string,
  variant: string,
  r: AgentResult,
  recs: FaultRecovery[],
  extra: Partial<Figures> = {},
): Figures {
  const back = recs.map((x) => x.consumerBackMs).filter((x): x is number => x !== null);
  return recordFigures({
    scenario,
    variant,
    sent: r.sendsStarted,
    confirmed: r.confirmed,
    processed: r.processedDistinctIds,
    lost: r.lost,
    duplicated: r.duplicatedDeliveries,
    resent: r.rejected,
    storedDespiteRejection: r.storedDespiteRejection,
    deadLettered: r.queueCounts?.dead,
    pendingAtEnd: r.pendingAtEnd,
    unhandledRejections: r.unhandledRejections,
    faults: recs.length,
    recoveryMaxMs: back.length ? Math.max(...back) : null,
    recoveryMedianMs: median(back),
    rssBeforeMb: r.rssBeforeMb,
    rssPeakMb: r.rssPeakMb,
    rssAfterMb: r.rssAfterMb,
    durationMs: r.durationMs,
    sendPhaseMs: r.sendPhaseMs,
    drainMs: r.drainMs,
    joinMs: r.joinMs,
    logical: r.logical,
    unconfirmedLogical: r.unconfirmedLogical,
    maxSettleMs: r.maxSettleMs,
    rejectionKinds: r.rejectionKinds,
    recoveries: recs,
    ...(r.queueCountsError ? { queueCountsError: r.queueCountsError.slice(0, 3_000) } : {}),
    ...(r.errorTexts.length ? { errorSample: r.errorTexts.slice(0, 5).map((t) => t.slice(0, 1_500)) } : {}),
    ...extra,
  });
}
