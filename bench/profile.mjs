#!/usr/bin/env node
// CPU profile of the publish path (and, for comparison, raw amqplib's), with a summary of where
// the time goes: by package, and the top functions by self and inclusive time.
//
//   node bench/profile.mjs [--systems shared,pooled,golevelup,raw] [--workload publish|e2e] [--n 30000]
//                          [--repeat 3] [--top 25] [--lib worktree|head] [--no-build]
//
// Each system runs bench/child.mjs, which CPU-profiles only its measured phase (node:inspector,
// 200 us sampling; profiles in bench/.profiles/, open them in Chrome DevTools); the summary goes
// to stdout and bench/profile-results.json.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { buildLib, removeLib } from './build-lib.mjs';
import { ensurePeer } from './packages.mjs';
import { median } from './common.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

const args = {
  systems: ['shared', 'pooled', 'golevelup', 'raw'],
  workload: 'publish',
  n: 30_000,
  repeat: 3,
  build: true,
  lib: 'worktree',
  top: 25,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--systems') args.systems = argv[++i].split(',');
  else if (a === '--workload') args.workload = argv[++i];
  else if (a === '--n') args.n = Number(argv[++i]);
  else if (a === '--top') args.top = Number(argv[++i]);
  else if (a === '--repeat') args.repeat = Number(argv[++i]);
  else if (a === '--no-build') args.build = false;
  else if (a === '--lib') args.lib = argv[++i];
  else throw new Error(`unknown argument ${a}`);
}

let libDir;

function runChild(system, dir, r = 0) {
  const config = {
    system,
    workload: args.workload,
    queue: `nbench.profile.${process.pid}.${system.replace(/[^a-zA-Z0-9._-]/g, '_')}`,
    window: 1_000,
    prefetch: 100,
    concurrency: 50,
    n: args.n,
    warmup: 1_000,
    timeoutMs: 60_000 + args.n * 3,
    profile: join(dir, `${system.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${args.workload}-${r + 1}.cpuprofile`),
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(here, 'child.mjs'), JSON.stringify(config)], {
      cwd: root,
      env: { ...process.env, BENCH_LIB: 'snapshot', BENCH_LIB_DIR: libDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), config.timeoutMs + 15_000);
    child.on('close', () => {
      clearTimeout(killer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return reject(new Error(`${system}: no result`));
      resolvePromise(JSON.parse(line.slice(13)));
    });
  });
}

function category(url, name) {
  if (!url) return name.startsWith('(') ? name : 'V8/native';
  if (url.includes('/bench/.lib/')) return 'ours (lib)';
  if (url.includes('amqp-connection-manager')) return 'amqp-connection-manager';
  if (url.includes('/amqplib/')) return 'amqplib';
  if (url.includes('/@nestjs/')) return 'nestjs';
  if (url.includes('/@golevelup/')) return 'golevelup';
  if (url.includes('/node_modules/')) return 'other packages';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:')) return 'node core';
  return 'other';
}

function shortUrl(url) {
  return url
    .replace(/^file:\/\//, '')
    .replace(`${root}/`, '')
    .replace(/^(bench\/peers\/[^/]+\/)?node_modules\//, '')
    .replace(/bench\/\.lib\/[^/]+\//, 'lib/');
}

/** Adds one profile's samples into `acc` (self and inclusive time per function, self time per package). */
function accumulate(acc, file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const add = (m, k, dt) => m.set(k, (m.get(k) ?? 0) + dt);
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i + 1] ?? 0) / 1000; // ms; a sample lasts until the next one
    acc.total += dt;
    const node = byId.get(samples[i]);
    add(acc.self, key(node), dt);
    add(acc.cats, category(node.callFrame.url, node.callFrame.functionName), dt);
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const kk = key(byId.get(id));
      if (seen.has(kk)) continue; // recursion counts once
      seen.add(kk);
      add(acc.incl, kk, dt);
    }
  }
}

function summarise(acc, messages) {
  const idle = acc.cats.get('(idle)') ?? 0;
  const busy = acc.total - idle;
  const us = (ms) => +((ms * 1000) / messages).toFixed(2);
  const entry = ([name, ms]) => ({ name, usPerMsg: us(ms), pctOfBusy: +((100 * ms) / busy).toFixed(1) });
  const top = (m) =>
    [...m.entries()]
      .filter(([k]) => !/^\((root|idle|program)\)/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, args.top)
      .map(entry);
  return {
    busyUsPerMsg: us(busy),
    idleUsPerMsg: us(idle),
    byPackage: [...acc.cats.entries()]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(entry),
    topSelf: top(acc.self),
    topInclusive: top(acc.incl).filter((e) => e.name !== '(garbage collector) :0'),
  };
}

async function main() {
  libDir = args.build
    ? await buildLib(args.lib, `${args.lib}-profile-${process.pid}`)
    : join(here, '.lib', `${args.lib}-last`);
  const dir = join(here, '.profiles');
  mkdirSync(dir, { recursive: true });
  const out = { workload: args.workload, n: args.n, repeat: args.repeat, loadAvg: os.loadavg(), systems: {} };
  const p = process.stdout;
  for (const system of args.systems) {
    if (system.split('@')[0] === 'golevelup') {
      const reason = await ensurePeer('golevelup', '@golevelup/nestjs-rabbitmq', (m) =>
        process.stderr.write(`[profile] ${m}\n`),
      );
      if (reason) {
        p.write(`\n=== ${system}: skipped (${reason})\n`);
        continue;
      }
    }
    const acc = { total: 0, self: new Map(), incl: new Map(), cats: new Map() };
    const runs = [];
    for (let r = 0; r < args.repeat; r++) {
      const result = await runChild(system, dir, r);
      if (!result.profile) throw new Error(`${system} run ${r + 1} failed: ${result.error ?? 'no profile written'}`);
      accumulate(acc, result.profile);
      runs.push({
        rate: result.rate,
        cpuUsPerMsg: result.cpuUsPerMsg,
        profile: result.profile.replace(`${root}/`, ''),
      });
    }
    const s = summarise(acc, args.n * args.repeat);
    const med = (f) => median(runs.map((r) => r[f]));
    out.systems[system] = { rate: med('rate'), cpuUsPerMsg: med('cpuUsPerMsg'), runs, ...s };
    const col = (v) => v.toFixed(1).padStart(6);
    p.write(
      `\n=== ${system} ${args.workload}: median ${Math.round(med('rate'))} msg/s, ${med('cpuUsPerMsg').toFixed(1)} us CPU/msg (process.cpuUsage), ` +
        `${args.repeat} run(s); sampled busy ${s.busyUsPerMsg} us/msg (wall-clock samples: includes time preempted inside syscalls)\n`,
    );
    p.write('  by package (self)                us/msg  %busy\n');
    for (const c of s.byPackage) p.write(`    ${c.name.padEnd(30)} ${col(c.usPerMsg)} ${col(c.pctOfBusy)}\n`);
    p.write('  top functions by self time       us/msg  %busy\n');
    for (const f of s.topSelf) p.write(`    ${col(f.usPerMsg)} ${col(f.pctOfBusy)}  ${f.name}\n`);
    p.write('  top functions by inclusive time  us/msg  %busy\n');
    for (const f of s.topInclusive.slice(0, 20)) p.write(`    ${col(f.usPerMsg)} ${col(f.pctOfBusy)}  ${f.name}\n`);
  }
  if (args.build) removeLib(libDir);
  writeFileSync(join(here, 'profile-results.json'), `${JSON.stringify(out, null, 2)}\n`);
  p.write(
    `\nwritten to bench/profile-results.json; profiles in bench/.profiles/ (open in Chrome DevTools > Performance)\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
