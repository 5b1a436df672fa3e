#!/usr/bin/env node
// Benchmark orchestrator. See bench/README.md.
//
//   node bench/run.mjs --preset quick|full|smoke [--rounds N] [--systems a,b] [--workloads a,b]
//                      [--out FILE] [--lib worktree|head|dist] [--no-build] [--time-limit SECONDS] [--n N]
//
// Each measurement runs in a fresh child process (bench/child.mjs). Within each round every
// workload runs every system once, in an order rotated from round to round; ratios to raw
// amqplib are taken within the round, then the median over rounds is reported.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AMQP_URL, REDIS, median, PAYLOAD_BYTES } from './common.mjs';
import { buildLib, removeLib } from './build-lib.mjs';
import { ensurePeer, pkgVersion } from './packages.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Presets
// Diagnostic rows, not systems of their own: raw amqplib and golevelup publishing with the mandatory
// flag, as ours always does (an unroutable message, i.e. a deleted queue, comes back instead of
// vanishing). RabbitMQ 3.10 pays for that flag on every message; these rows show how much, so ours
// can also be compared at equal broker work.
const MANDATORY_BASELINE = 'raw@mandatory=true';
// Raw amqplib doing all of ours' broker work: Dramatiq's envelope with a fresh uuid, persistent,
// confirms, mandatory. Ours' publish CPU and rate are also reported against this row.
const EQUAL_WORK_BASELINE = 'raw@dramatiq=true';
const MANDATORY_DIAGNOSTICS = [MANDATORY_BASELINE, 'golevelup@mandatory=true', EQUAL_WORK_BASELINE];
const ALL_SYSTEMS = ['raw', 'shared', 'pooled', 'nest-shared', 'golevelup', 'microservices', 'bullmq'];
const PRESETS = {
  smoke: {
    rounds: 1,
    systems: ['raw', 'shared', 'pooled'],
    workloads: {
      publish: { n: 2_000, warmup: 200 },
      e2e: { n: 2_000, warmup: 200 },
      latency: { n: 300, rate: 500, warmup: 50 },
      memory: { n: 2_000, warmup: 200 },
    },
  },
  quick: {
    rounds: 3,
    systems: ALL_SYSTEMS,
    workloads: {
      publish: { n: 10_000, warmup: 500, diagnostics: MANDATORY_DIAGNOSTICS },
      e2e: { n: 10_000, warmup: 500 },
      latency: { n: 800, rate: 500, warmup: 200, systems: ALL_SYSTEMS.filter((s) => s !== 'nest-shared') },
      memory: { n: 30_000, warmup: 1_000, systems: ['raw', 'shared', 'pooled'] },
    },
  },
  full: {
    rounds: 3,
    systems: ALL_SYSTEMS,
    workloads: {
      publish: { n: 100_000, warmup: 2_000, diagnostics: MANDATORY_DIAGNOSTICS },
      e2e: { n: 100_000, warmup: 2_000 },
      latency: { n: 15_000, rate: 500, warmup: 500 },
      memory: { n: 1_000_000, warmup: 2_000, systems: ['raw', 'shared', 'pooled'] },
    },
  },
};
// Same for every system: 1000 sends in flight, prefetch 100 (ours: concurrency 50 -> Dramatiq's prefetch 2x).
const COMMON = { window: 1_000, prefetch: 100, concurrency: 50 };
const WORKLOAD_ORDER = ['publish', 'e2e', 'latency', 'memory'];

// ---------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const args = { preset: 'quick', build: true, lib: 'worktree' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--preset') args.preset = value();
    else if (a === '--quick') args.preset = 'quick';
    else if (a === '--full') args.preset = 'full';
    else if (a === '--smoke') args.preset = 'smoke';
    else if (a === '--rounds') args.rounds = Number(value());
    else if (a === '--systems') args.systems = value().split(',');
    else if (a === '--workloads') args.workloads = value().split(',');
    else if (a === '--out') args.out = value();
    else if (a === '--lib') args.lib = value();
    else if (a === '--no-build') args.build = false;
    else if (a === '--time-limit') args.timeLimit = Number(value());
    else if (a === '--n') args.n = Number(value());
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new Error(`unknown argument ${a} (see bench/README.md)`);
  }
  if (!PRESETS[args.preset]) throw new Error(`unknown preset ${args.preset}`);
  if (args.lib === 'snapshot') args.lib = 'worktree';
  if (!['worktree', 'head', 'dist'].includes(args.lib)) throw new Error('--lib must be worktree, head or dist');
  return args;
}

const log = (m) => process.stderr.write(`[bench] ${m}\n`);

// ---------------------------------------------------------------------------------------------
// The library under test: see build-lib.mjs.
async function buildSnapshot(source, name) {
  const t0 = Date.now();
  const dir = await buildLib(source, name);
  log(`compiled lib/ (${source}) into ${dir.replace(`${root}/`, '')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

async function gitInfo() {
  const info = {};
  try {
    info.commit = (await run('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
    const status = (await run('git', ['status', '--porcelain', '--', 'lib'], { cwd: root })).stdout.trim();
    info.libDirtyFiles = status ? status.split('\n').length : 0;
  } catch {
    info.commit = 'unknown';
  }
  return info;
}

async function machineInfo() {
  const cpus = os.cpus();
  const info = {
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model,
    totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
  try {
    const amqplib = (await import('amqplib')).default;
    const conn = await amqplib.connect(AMQP_URL, { timeout: 5_000 });
    const props = conn.connection?.serverProperties ?? {};
    info.rabbitmq = String(props.version ?? 'unknown');
    info.erlang = props.platform ? String(props.platform) : undefined;
    await conn.close();
  } catch (err) {
    info.rabbitmq = `unreachable: ${err.message}`;
  }
  info.amqplib = pkgVersion('amqplib');
  info.amqpConnectionManager = pkgVersion('amqp-connection-manager');
  info.nestjsCore = pkgVersion('@nestjs/core');
  info.redis = await redisVersion();
  return info;
}

async function redisVersion() {
  let client;
  try {
    const { Redis } = await import('ioredis');
    client = new Redis({
      ...REDIS,
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    const text = await client.info('server');
    return /redis_version:(\S+)/.exec(text)?.[1] ?? 'unknown';
  } catch (err) {
    return `unreachable: ${err.message}`;
  } finally {
    client?.disconnect();
  }
}

/** Which systems can run here; the others are skipped with a reason (recorded in the results). */
async function checkSystems(systems, machine) {
  const skipped = [];
  const ok = [];
  for (const s of systems) {
    let reason;
    const base = s.split('@')[0]; // "shared@maxProducerChannels=1000" is a diagnostic variant of shared
    if (!ALL_SYSTEMS.includes(base)) reason = `unknown system (known: ${ALL_SYSTEMS.join(', ')})`;
    else if (machine.rabbitmq.startsWith('unreachable') && base !== 'bullmq') reason = `RabbitMQ ${machine.rabbitmq}`;
    else if (base === 'golevelup') reason = await ensurePeer('golevelup', '@golevelup/nestjs-rabbitmq', log);
    else if (base === 'microservices' && !pkgVersion('@nestjs/microservices'))
      reason = '@nestjs/microservices is not installed (npm install)';
    else if (base === 'bullmq') {
      if (!pkgVersion('bullmq') || !pkgVersion('@nestjs/bullmq'))
        reason = 'bullmq / @nestjs/bullmq are not installed (npm install)';
      else if (machine.redis.startsWith('unreachable'))
        reason = `Redis on ${REDIS.host}:${REDIS.port} ${machine.redis}`;
    }
    if (reason) skipped.push({ system: s, reason });
    else ok.push(s);
  }
  return { ok, skipped };
}

// ---------------------------------------------------------------------------------------------
/** Runs one measurement in a fresh process; never hangs past config.timeoutMs + 15 s. */
function measure(config, libMode, libDir) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--expose-gc', join(here, 'child.mjs'), JSON.stringify(config)], {
      cwd: root,
      env: { ...process.env, BENCH_LIB: libMode === 'dist' ? 'dist' : 'snapshot', BENCH_LIB_DIR: libDir ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      if (err.length > 20_000) err = err.slice(-10_000);
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), config.timeoutMs + 15_000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (line) {
        const result = JSON.parse(line.slice('BENCH_RESULT '.length));
        if (!result.ok) result.stderrTail = err.slice(-1500);
        resolvePromise(result);
      } else {
        resolvePromise({
          ok: false,
          system: config.system,
          workload: config.workload,
          error: `child exited ${code ?? signal} without a result`,
          stderrTail: err.slice(-1500),
        });
      }
    });
  });
}

function timeoutFor(workload, spec) {
  // Generous: 60 s + the time at 300 msg/s (the slowest system seen here does ~2-3k/s).
  const seconds = workload === 'latency' ? 60 + (spec.n / spec.rate) * 3 : 60 + (spec.n + (spec.warmup ?? 0)) / 300;
  return Math.round(seconds * 1000);
}

// ---------------------------------------------------------------------------------------------
// Summary
const METRICS = {
  publish: { key: 'rate', unit: 'msg/s', better: 'higher' },
  e2e: { key: 'rate', unit: 'msg/s', better: 'higher' },
  latency: { key: 'p99', unit: 'ms', better: 'lower' },
  memory: { key: 'rssGrowthMB', unit: 'MB', better: 'lower' },
};

function summarize(runs, rounds, workloads, systems) {
  const summary = {};
  for (const w of workloads) {
    summary[w] = {};
    // The systems in line-up order, then any diagnostic rows this workload ran.
    const ran = [...new Set(runs.filter((r) => r.workload === w).map((r) => r.system))];
    const wsystems = [...systems.filter((s) => ran.includes(s)), ...ran.filter((s) => !systems.includes(s))];
    for (const s of wsystems) {
      const mine = runs.filter((r) => r.workload === w && r.system === s);
      const good = mine.filter((r) => r.ok);
      const entry = { rounds: mine.length, failed: mine.length - good.length };
      const fields =
        w === 'latency'
          ? ['p50', 'p90', 'p99', 'max', 'sendRate']
          : w === 'memory'
            ? ['rssPeakMB', 'rssGrowthMB', 'rssBaseMB', 'rssAfterGcMB', 'rssSlopeMBper100k', 'heapAfterGcMB', 'rate']
            : w === 'e2e'
              ? ['rate', 'publishRate']
              : ['rate'];
      for (const f of [...fields, 'cpuUsPerMsg', 'cpuMainThreadUsPerMsg', 'cpuOtherThreadsUsPerMsg']) {
        const values = good.map((r) => r[f]).filter((v) => typeof v === 'number');
        if (values.length === 0 && f.startsWith('cpu') && f !== 'cpuUsPerMsg') continue; // per-thread CPU: Linux only
        entry[f] = { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
      }
      // Ratios to raw amqplib, each within its own round, then the median over rounds.
      const ratioFields =
        w === 'latency' ? ['p50', 'p99'] : w === 'memory' ? ['rssPeakMB', 'rate'] : ['rate', 'cpuUsPerMsg'];
      entry.ratioToRaw = {};
      for (const f of ratioFields) {
        const perRound = [];
        for (let r = 1; r <= rounds; r++) {
          const mineR = good.find((x) => x.round === r);
          const rawR = runs.find((x) => x.round === r && x.workload === w && x.system === 'raw' && x.ok);
          if (mineR && rawR && rawR[f] > 0) perRound.push(mineR[f] / rawR[f]);
        }
        entry.ratioToRaw[f] = { median: median(perRound), perRound };
      }
      summary[w][s] = entry;
    }
  }
  return summary;
}

function targets(summary) {
  const out = [];
  const ratio = (w, s, f) => summary[w]?.[s]?.ratioToRaw?.[f]?.median;
  const val = (w, s, f) => summary[w]?.[s]?.[f]?.median;
  for (const s of ['shared', 'pooled']) {
    const add = (name, value, goal, pass) =>
      out.push({
        system: s,
        target: name,
        value,
        goal,
        pass: value === undefined || Number.isNaN(value) ? null : pass,
      });
    const p = ratio('publish', s, 'rate');
    add('publish >= 0.9x raw', p, 0.9, p >= 0.9);
    const e = ratio('e2e', s, 'rate');
    add('end-to-end >= 0.85x raw', e, 0.85, e >= 0.85);
    for (const peer of ['golevelup', 'microservices']) {
      for (const w of ['publish', 'e2e']) {
        const mine = ratio(w, s, 'rate');
        const theirs = ratio(w, peer, 'rate');
        if (theirs === undefined) continue;
        add(`${w} ahead of ${peer}`, mine / theirs, 1, mine > theirs);
      }
    }
    const l = ratio('latency', s, 'p99');
    add('p99 latency <= 2x raw', l, 2, l <= 2);
    const g = val('memory', s, 'rssGrowthMB');
    add('RSS growth < 50 MB', g, 50, g < 50);
  }
  return out;
}

const fmt = (v, digits = 0) =>
  v === undefined || v === null || Number.isNaN(v) || !Number.isFinite(v)
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A Markdown table; the first `left` columns are left-aligned, the rest (numbers) right-aligned. */
function table(headers, rows, left = 1) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < left ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  const rule = widths.map((w, i) => (i < left ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|');
  return [line(headers), `|${rule}|`, ...rows.map(line)].join('\n');
}

function report(results) {
  const { summary, meta } = results;
  const label = (s) => results.labels[s] ?? s;
  const parts = [];
  const m = meta.machine;
  parts.push(
    `# nestjs-dramatiq-broker benchmark (${meta.preset}, ${meta.rounds} round(s))`,
    `machine: ${m.cpuCount} x ${m.cpuModel}, ${m.totalMemGB} GiB, ${m.platform}; node ${m.node}; RabbitMQ ${m.rabbitmq}; Redis ${m.redis}`,
    `amqplib ${m.amqplib}, amqp-connection-manager ${m.amqpConnectionManager}, @nestjs/core ${m.nestjsCore}; lib: ${meta.lib.mode === 'head' ? 'committed' : meta.lib.mode} @ ${String(meta.lib.commit).slice(0, 10)}${meta.lib.mode === 'head' ? '' : ` (${meta.lib.libDirtyFiles} uncommitted file(s) in lib/)`}`,
    `load average at start ${m.loadAvgAtStart.join(' ')}, at end ${meta.loadAvgAtEnd.join(' ')}; payload ${PAYLOAD_BYTES} B JSON (ours wraps it in Dramatiq's envelope), persistent, durable queues, confirms on`,
    `ratio = value / raw amqplib's value in the same round, median over rounds (per-round values in brackets)`,
    '',
  );
  for (const w of meta.workloads) {
    const spec = meta.workloadSpecs[w];
    const rows = Object.entries(summary[w] ?? {}).map(([s, e]) => {
      const r = (f) => e.ratioToRaw[f];
      const rr = (f) => `${fmt(r(f)?.median, 2)} [${(r(f)?.perRound ?? []).map((x) => fmt(x, 2)).join(' ')}]`;
      const fail = e.failed ? ` (${e.failed} failed)` : '';
      if (w === 'latency')
        return [
          label(s) + fail,
          fmt(e.p50.median, 2),
          fmt(e.p99.median, 1),
          fmt(e.max.median, 1),
          rr('p50'),
          rr('p99'),
        ];
      if (w === 'memory')
        return [
          label(s) + fail,
          fmt(e.rssPeakMB.median, 0),
          fmt(e.rssGrowthMB.median, 1),
          fmt(e.rssSlopeMBper100k.median, 2),
          fmt(e.rate.median),
          rr('rssPeakMB'),
          rr('rate'),
        ];
      return [
        label(s) + fail,
        fmt(e.rate.median),
        `${fmt(e.rate.min)}-${fmt(e.rate.max)}`,
        rr('rate'),
        fmt(e.cpuUsPerMsg.median, 1),
        e.cpuMainThreadUsPerMsg && e.cpuOtherThreadsUsPerMsg
          ? `${fmt(e.cpuMainThreadUsPerMsg.median, 1)} + ${fmt(e.cpuOtherThreadsUsPerMsg.median, 1)}`
          : '-',
        rr('cpuUsPerMsg'),
      ];
    });
    if (rows.length === 0) continue;
    if (w === 'publish' || w === 'e2e') {
      parts.push(
        `## ${w === 'publish' ? 'publish' : 'end-to-end'}: ${fmt(spec.n)} messages, ${COMMON.window} in flight${w === 'e2e' ? ', no-op handler, first send to last handled' : ''}`,
      );
      parts.push(
        table(
          [
            'system',
            'msg/s (median)',
            'range',
            'rate ratio to raw',
            'CPU us/msg',
            'main + other threads',
            'CPU ratio to raw',
          ],
          rows,
        ),
      );
    } else if (w === 'latency') {
      parts.push(`## latency: enqueue to handler start at ${spec.rate} msg/s, ${fmt(spec.n)} messages`);
      parts.push(table(['system', 'p50 ms', 'p99 ms', 'max ms', 'p50 ratio', 'p99 ratio'], rows));
    } else {
      parts.push(`## memory: ${fmt(spec.n)} messages end-to-end; growth = RSS after the run (after gc) - RSS at 10%`);
      parts.push(
        table(['system', 'peak RSS MB', 'growth MB', 'MB/100k (20-100%)', 'msg/s', 'peak ratio', 'rate ratio'], rows),
      );
    }
    parts.push('');
  }
  if (results.targets.length) {
    parts.push('## targets (ours)');
    parts.push(
      table(
        ['system', 'target', 'value', 'result'],
        results.targets.map((t) => [
          t.system,
          t.target,
          fmt(t.value, 2),
          t.pass === null ? 'n/a' : t.pass ? 'met' : 'MISSED',
        ]),
        2,
      ),
    );
    const atEqualWork = ['shared', 'pooled', 'golevelup@mandatory=true']
      .map((s) => [
        s,
        summary.publish?.[s]?.ratioToRaw?.rate?.median,
        summary.publish?.[MANDATORY_BASELINE]?.ratioToRaw?.rate?.median,
      ])
      .filter(([, mine, base]) => mine !== undefined && base !== undefined);
    if (atEqualWork.length) {
      parts.push(
        `publish at equal broker work (rate / ${MANDATORY_BASELINE}'s, all publishing mandatory): ${atEqualWork.map(([s, mine, base]) => `${s} ${fmt(mine / base, 2)}`).join(', ')}`,
      );
    }
    // Against raw doing the same broker work (envelope + uuid + mandatory): rate and CPU per message.
    const sameWork = ['shared', 'pooled']
      .map((s) => [s, summary.publish?.[s]?.ratioToRaw, summary.publish?.[EQUAL_WORK_BASELINE]?.ratioToRaw])
      .filter(([, mine, base]) => mine?.rate?.median !== undefined && base?.rate?.median !== undefined);
    if (sameWork.length) {
      parts.push(
        `publish against ${EQUAL_WORK_BASELINE} (raw with ours' broker work), rate / CPU per message: ${sameWork
          .map(
            ([s, mine, base]) =>
              `${s} ${fmt(mine.rate.median / base.rate.median, 2)} / ${fmt(mine.cpuUsPerMsg.median / base.cpuUsPerMsg.median, 2)}x`,
          )
          .join(', ')}`,
      );
    }
    parts.push('');
  }
  for (const s of results.skipped) parts.push(`skipped ${s.system}: ${s.reason}`);
  const failures = results.runs.filter((r) => !r.ok);
  for (const f of failures)
    parts.push(`FAILED round ${f.round} ${f.workload} ${f.system}: ${String(f.error).split('\n')[0]}`);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(readFileSync(join(here, 'README.md'), 'utf8'));
    return 0;
  }
  const preset = PRESETS[args.preset];
  const rounds = args.rounds ?? preset.rounds;
  const workloads = (args.workloads ?? WORKLOAD_ORDER).filter((w) => preset.workloads[w]);
  const specs = Object.fromEntries(
    workloads.map((w) => [w, { ...preset.workloads[w], ...(args.n ? { n: args.n } : {}) }]),
  );
  const started = new Date();
  const deadline = Date.now() + (args.timeLimit ?? { smoke: 120, quick: 900, full: 4 * 3600 }[args.preset]) * 1000;

  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  // --no-build reuses bench/.lib/<lib>-last (left by the last run that built it).
  const libName = `${args.lib}-last`;
  let libDir;
  if (args.lib !== 'dist') {
    libDir = args.build ? await buildSnapshot(args.lib, `${args.lib}-${runId}`) : join(here, '.lib', libName);
    if (!existsSync(join(libDir, 'index.js'))) throw new Error(`${libDir} is missing: run without --no-build`);
  }
  if (args.lib === 'dist' && !existsSync(join(root, 'dist', 'esm', 'index.js')))
    throw new Error('dist/ is missing: npm run build first');

  const machine = await machineInfo();
  const { ok: systems, skipped } = await checkSystems(args.systems ?? preset.systems, machine);
  log(`machine: ${machine.cpuCount} cpus, node ${machine.node}, RabbitMQ ${machine.rabbitmq}, Redis ${machine.redis}`);
  log(`systems: ${systems.join(', ')}${skipped.length ? `; skipped: ${skipped.map((s) => s.system).join(', ')}` : ''}`);
  if (!systems.includes('raw')) log('raw amqplib is not among the systems: no ratios can be computed');

  const runs = [];
  const labels = {};
  let stoppedEarly;
  outer: for (let round = 1; round <= rounds; round++) {
    for (const w of workloads) {
      const spec = specs[w];
      const wsystems = systems.filter((s) => !spec.systems || spec.systems.includes(s));
      // Diagnostic rows join a preset's default line-up (not an explicit --systems list) when raw runs.
      if (!args.systems && systems.includes('raw'))
        wsystems.push(...(spec.diagnostics ?? []).filter((d) => systems.includes(d.split('@')[0])));
      // Alternate the order within each round (rotation), so no system always runs first or last.
      const k = wsystems.length;
      const order = wsystems.map((_, i) => wsystems[(i + round - 1) % k]);
      for (const system of order) {
        if (Date.now() > deadline) {
          stoppedEarly = `time limit reached before round ${round} ${w} ${system}`;
          log(stoppedEarly);
          break outer;
        }
        const config = {
          system,
          workload: w,
          queue: `nbench.${runId}.${system.replace(/[^a-zA-Z0-9_.-]/g, '_')}.${w}.r${round}`,
          ...COMMON,
          n: spec.n,
          warmup: spec.warmup,
          rate: spec.rate,
          timeoutMs: timeoutFor(w, spec),
        };
        const t0 = Date.now();
        const result = await measure(config, args.lib, libDir);
        result.round = round;
        result.wallSeconds = (Date.now() - t0) / 1000;
        if (result.label) labels[system] = result.label;
        runs.push(result);
        const key = METRICS[w].key;
        log(
          `round ${round}/${rounds} ${w.padEnd(7)} ${system.padEnd(13)} ` +
            (result.ok
              ? `${key} ${fmt(result[key], key === 'rate' ? 0 : 2)} ${METRICS[w].unit}`
              : `FAILED: ${String(result.error).split('\n')[0]}`) +
            ` (${result.wallSeconds.toFixed(1)} s)`,
        );
      }
    }
  }

  const summary = summarize(runs, rounds, workloads, systems);
  const results = {
    meta: {
      preset: args.preset,
      rounds,
      workloads,
      workloadSpecs: specs,
      common: COMMON,
      payloadBytes: PAYLOAD_BYTES,
      machine,
      lib: { mode: args.lib, ...(await gitInfo()) },
      peers: {
        golevelup: pkgVersion('@golevelup/nestjs-rabbitmq', join(here, 'peers', 'golevelup')),
        microservices: pkgVersion('@nestjs/microservices'),
        bullmq: pkgVersion('bullmq'),
        nestjsBullmq: pkgVersion('@nestjs/bullmq'),
      },
      started: started.toISOString(),
      finished: new Date().toISOString(),
      durationSeconds: (Date.now() - started.getTime()) / 1000,
      loadAvgAtEnd: os.loadavg().map((x) => +x.toFixed(2)),
      stoppedEarly,
    },
    labels,
    skipped,
    summary,
    targets: targets(summary),
    runs,
  };
  if (args.build && libDir) {
    // Keep this build as <lib>-last for --no-build runs and profile.mjs --no-build.
    const last = join(here, '.lib', libName);
    removeLib(last);
    try {
      renameSync(libDir, last);
    } catch {
      removeLib(libDir);
    }
  }
  const out = resolve(args.out ?? join(here, args.preset === 'smoke' ? 'results.smoke.json' : 'results.json'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `${report(results)}\n\nresults written to ${out} (${results.meta.durationSeconds.toFixed(0)} s)\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[bench] ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
