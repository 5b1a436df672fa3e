#!/usr/bin/env node
// CI smoke test of the benchmark: a tiny run (2,000 messages, 1 round, ours + raw amqplib) that
// must complete and write its results. It never looks at speed: machines differ, and CI is noisy.
//
//   node bench/smoke.mjs [extra run.mjs arguments, e.g. --lib head]
//
// Exit 0 when every measurement completed and bench/results.smoke.json was written; 1 otherwise.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'results.smoke.json');
const LIMIT_MS = 120_000; // the run itself takes ~15-25 s; this only guards against a hang

rmSync(out, { force: true });
const child = spawn(
  process.execPath,
  [join(here, 'run.mjs'), '--preset', 'smoke', '--out', out, ...process.argv.slice(2)],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
const timer = setTimeout(() => {
  process.stderr.write(`bench smoke: no result after ${LIMIT_MS / 1000} s; stopping the run\n`);
  child.kill('SIGKILL');
}, LIMIT_MS);

child.on('close', (code, signal) => {
  clearTimeout(timer);
  const problems = [];
  if (code !== 0) problems.push(`run.mjs exited ${code ?? signal}`);
  let results;
  if (!existsSync(out)) problems.push(`${out} was not written`);
  else {
    try {
      results = JSON.parse(readFileSync(out, 'utf8'));
    } catch (err) {
      problems.push(`${out} is not valid JSON: ${err.message}`);
    }
  }
  if (results) {
    const systems = ['raw', 'shared', 'pooled'];
    const workloads = results.meta?.workloads ?? [];
    for (const s of results.skipped ?? []) problems.push(`${s.system} was skipped: ${s.reason}`);
    for (const w of workloads) {
      for (const s of systems) {
        const run = results.runs.find((r) => r.workload === w && r.system === s);
        if (!run) problems.push(`no ${w} measurement for ${s}`);
        else if (!run.ok) problems.push(`${w} ${s} failed: ${String(run.error).split('\n')[0]}`);
      }
    }
    if (workloads.length === 0) problems.push('no workloads ran');
  }
  if (problems.length) {
    for (const p of problems) process.stderr.write(`bench smoke: ${p}\n`);
    process.stderr.write('bench smoke FAILED\n');
    process.exit(1);
  }
  process.stdout.write(
    `bench smoke OK: ${results.runs.length} measurements completed in ${Math.round(results.meta.durationSeconds)} s, results in ${out}\n`,
  );
  process.exit(0);
});
