/**
 * The published package must load both ways: `import` (NestJS 12, ESM) and `require`
 * (NestJS 11 CommonJS apps). Builds dist/ and loads every entry point through the
 * package's own name, as a user's app would; the core entry without NestJS.
 */
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { run } from '../support/exec.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('dual ESM / CommonJS build', () => {
  it('builds, then loads every entry point with import and with require', async () => {
    const build = await run('npm', ['run', 'build'], { cwd: root, timeoutMs: 180_000 });
    expect(build.code).toBe(0);
    const esm = await run(
      'node',
      [
        '--input-type=module',
        '-e',
        "import * as m from 'nestjs-dramatiq-broker'; import * as h from 'nestjs-dramatiq-broker/health'; import * as t from 'nestjs-dramatiq-broker/testing'; console.log([typeof m.BrokerModule, typeof m.Actor, typeof m.TaskQueue, typeof m.DramatiqBroker, typeof h.BrokerHealthIndicator, typeof t.ensureConsumerConnection].join(','))",
      ],
      { cwd: root, timeoutMs: 30_000 },
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('function,function,function,function,function,function');
    const cjs = await run(
      'node',
      [
        '--input-type=commonjs',
        '-e',
        "const m = require('nestjs-dramatiq-broker'); const h = require('nestjs-dramatiq-broker/health'); const t = require('nestjs-dramatiq-broker/testing'); console.log([typeof m.BrokerModule, typeof m.Actor, typeof m.TaskQueue, typeof m.DramatiqBroker, typeof h.BrokerHealthIndicator, typeof t.ensureConsumerConnection].join(','))",
      ],
      { cwd: root, timeoutMs: 30_000 },
    );
    expect(cjs.stdout.trim()).toBe('function,function,function,function,function,function');

    // The core entry is framework-free: it must not pull NestJS in, either way.
    const coreCjs = await run(
      'node',
      [
        '--input-type=commonjs',
        '-e',
        "const c = require('nestjs-dramatiq-broker/core'); const nest = Object.keys(require.cache).filter((f) => f.includes('@nestjs')); console.log(typeof c.DramatiqBroker, typeof c.BrokerModule, nest.length)",
      ],
      { cwd: root, timeoutMs: 30_000 },
    );
    expect(coreCjs.stdout.trim()).toBe('function undefined 0');
    // Nor the optional peers of metrics and tracing, until they are switched on.
    const peersCjs = await run(
      'node',
      [
        '--input-type=commonjs',
        '-e',
        "const c = require('nestjs-dramatiq-broker/core'); const loaded = () => Object.keys(require.cache).filter((f) => /[\\/](prom-client|@opentelemetry)[\\/]/.test(f)).length; const before = loaded(); const b = new c.DramatiqBroker({ strategy: 'shared' }); Promise.all([c.enablePrometheus(b), c.enableTracing(b)]).then(() => console.log(before, loaded() > 0))",
      ],
      { cwd: root, timeoutMs: 30_000 },
    );
    expect(peersCjs.stdout.trim()).toBe('0 true');
    // ESM: a resolve hook lists every @nestjs module the import reaches (none for core).
    const fixture = fileURLToPath(new URL('./fixtures/nest-free-core.mjs', import.meta.url));
    const coreEsm = await run('node', [fixture, 'nestjs-dramatiq-broker/core'], { cwd: root, timeoutMs: 30_000 });
    expect(coreEsm.stdout.trim()).toBe('DramatiqBroker function');
    expect(coreEsm.stdout).not.toContain('ioredis');
    // Switched on, metrics and tracing load their peers (so the hook can see them).
    const enabledEsm = await run('node', [fixture, 'nestjs-dramatiq-broker/core', '--enable'], {
      cwd: root,
      timeoutMs: 30_000,
    });
    expect(enabledEsm.stdout).toMatch(/DramatiqBroker function\n(optional .*prom-client.*\n)/);
    expect(enabledEsm.stdout).toContain('/@opentelemetry/api/');
    expect(enabledEsm.stdout.trim().endsWith('enabled')).toBe(true);
    // ...and the same hook does see NestJS behind the root entry, so the check can fail.
    const rootEsm = await run('node', [fixture, 'nestjs-dramatiq-broker'], { cwd: root, timeoutMs: 30_000 });
    expect(rootEsm.stdout).toContain('nestjs file://');
    // ioredis is an optional peer: not even the root entry loads it...
    expect(rootEsm.stdout).not.toContain('ioredis');
    // ...until a Redis result backend is used (CommonJS: require.cache shows it).
    const ioredisCjs = await run(
      'node',
      [
        '--input-type=commonjs',
        '-e',
        "const c = require('nestjs-dramatiq-broker/core'); const loaded = () => Object.keys(require.cache).some((f) => f.includes('/ioredis/')); const before = loaded(); const b = new c.RedisResultBackend({ url: 'redis://127.0.0.1:6379' }); b.read('x').finally(() => { console.log(before, loaded()); return b.close(); })",
      ],
      { cwd: root, timeoutMs: 30_000 },
    );
    expect(ioredisCjs.stdout.trim()).toBe('false true');

    // The dashboard entry, both ways.
    for (const [type, load] of [
      [
        'module',
        "import('nestjs-dramatiq-broker/dashboard').then((d) => console.log(typeof d.DramatiqDashboardModule))",
      ],
      ['commonjs', "console.log(typeof require('nestjs-dramatiq-broker/dashboard').DramatiqDashboardModule)"],
    ]) {
      const dashboard = await run('node', [`--input-type=${type}`, '-e', load], { cwd: root, timeoutMs: 30_000 });
      expect(dashboard.stdout.trim()).toBe('function');
    }

    // The command line (package.json "bin"): runs from dist, usage errors exit with 2.
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { bin: Record<string, string> };
    const bin = `${root}${pkg.bin['nestjs-dramatiq-broker']}`;
    const help = await run('node', [bin, '--help'], { cwd: root, timeoutMs: 30_000 });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: nestjs-dramatiq-broker');
    const usage = await run('node', [bin, 'dead-letters', 'list', '--queue', 'q'], {
      cwd: root,
      env: { ...process.env, AMQP_URL: '' },
      timeoutMs: 30_000,
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('no broker address');
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  }, 240_000);
});
