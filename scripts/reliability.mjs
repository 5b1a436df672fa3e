#!/usr/bin/env node
/**
 * Runs the reliability suite (test/reliability) at full size and prints the figures.
 *
 *   npm run reliability                      # full size (RELIABILITY_SCALE=full)
 *   npm run reliability -- --ci              # the CI size
 *   npm run reliability -- connection-cuts   # only the files matching a pattern
 *
 * Each scenario writes its figures to .tmp/reliability/results-<scale>/*.json; this script clears
 * that directory first, then collects the files into a table (stdout) and
 * .tmp/reliability/results-<scale>.json (scale: full or ci, so a CI-size run never overwrites the
 * figures of a full one).
 * Exits with Jest's exit code.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const ci = args.includes('--ci');
const patterns = args.filter((a) => a !== '--ci');
const scale = ci ? 'ci' : (process.env.RELIABILITY_SCALE ?? 'full');
const resultsDir = path.join(root, '.tmp', 'reliability', `results-${scale}`);
const summaryFile = path.join(root, '.tmp', 'reliability', `results-${scale}.json`);

fs.rmSync(resultsDir, { recursive: true, force: true });
fs.mkdirSync(resultsDir, { recursive: true });

const started = Date.now();
const jestBin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const testPaths = patterns.length > 0 ? patterns.map((p) => `test/reliability/.*${p}`) : ['test/reliability'];
const child = spawn(process.execPath, [jestBin, '--runInBand', ...testPaths], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    // Marks the run as the reliability runner (the scenarios also run, CI-sized, in npm test).
    RELIABILITY: '1',
    RELIABILITY_SCALE: scale,
    RELIABILITY_RESULTS_DIR: resultsDir,
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
  },
});
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
const elapsedS = Math.round((Date.now() - started) / 1000);

const figures = fs
  .readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8')));

const cell = (v) =>
  v === undefined || v === null ? '-' : typeof v === 'number' ? String(Math.round(v * 10) / 10) : String(v);
const rows = figures.map((f) => [
  f.scenario,
  f.variant,
  cell(f.sent),
  cell(f.confirmed),
  cell(f.processed),
  cell(f.lost),
  cell(f.duplicated),
  cell(f.resent),
  cell(f.pendingAtEnd),
  cell(f.unhandledRejections),
  cell(f.faults),
  f.recoveryMaxMs === undefined ? '-' : `${cell(f.recoveryMaxMs)} / ${cell(f.recoveryMedianMs)}`,
  f.rssBeforeMb === undefined ? '-' : `${cell(f.rssBeforeMb)} -> ${cell(f.rssAfterMb)}`,
  f.durationMs === undefined ? '-' : cell(f.durationMs / 1000),
]);
const header = [
  'scenario',
  'variant',
  'sent',
  'confirmed',
  'processed',
  'lost',
  'dup',
  'resent',
  'pending',
  'unhandled',
  'faults',
  'recovery max/median ms',
  'RSS MB before->after',
  'run s',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log('');
console.log(`Reliability figures (${scale} scale, ${os.cpus().length} cores, Node ${process.version}, ${elapsedS} s):`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
for (const f of figures) {
  const extra = Object.entries(f)
    .filter(([k]) =>
      [
        'notes',
        'detectMs',
        'detectIntervals',
        'stalledPublishRejectedAfterMs',
        'healthUpAfterClearMs',
        'alarmSendsSlowestMs',
        'exitAfterSigtermMs',
        'abandonedByA',
        'deadLettered',
        'storedDespiteRejection',
        'outcomes',
        'connectedAfter',
        'consumerBackAfterStartAppMs',
        'leaks',
        'namedTheOption',
        'cases',
        'rssPeakMb',
      ].includes(k),
    )
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('; ');
  if (extra) console.log(`  ${f.scenario}/${f.variant}: ${extra}`);
}

fs.writeFileSync(
  summaryFile,
  `${JSON.stringify({ date: new Date().toISOString(), scale, cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, elapsedS, jestExitCode: code, figures }, null, 2)}\n`,
);
console.log(`\nWritten to ${path.relative(root, summaryFile)}; Jest exit code ${code}.`);
process.exit(code);
