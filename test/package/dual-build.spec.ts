/**
 * The published package must load both ways: `import` (NestJS 12, ESM) and `require`
 * (NestJS 11 CommonJS apps). Builds dist/ and loads every entry point through the
 * package's own name, as a user's app would; the core entry without NestJS. Then packs it and
 * type-checks a TypeScript app against its declarations, both ways, without the optional peers.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import fs, { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../support/exec.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('dual ESM / CommonJS build', () => {
  beforeAll(async () => {
    const build = await run('npm', ['run', 'build'], { cwd: root, timeoutMs: 180_000 });
    expect(build.code).toBe(0);
  }, 180_000);

  it('loads every entry point with import and with require', async () => {
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

  it('its declarations compile with skipLibCheck off and no optional peer installed, both ways', async () => {
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as PackageJson;
    const work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'typed-consumer-')));
    try {
      const pack = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, timeoutMs: 60_000 });
      expect(pack.code).toBe(0);
      const tarball = path.join(work, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0].filename);
      const optional = Object.keys(pkg.peerDependenciesMeta).filter((name) => pkg.peerDependenciesMeta[name].optional);
      expect(optional).toEqual(expect.arrayContaining(['ioredis', '@opentelemetry/api', 'prom-client']));

      const checked: Array<{ type: string; code: number | null; errors: string[] }> = [];
      for (const [type, build] of [
        ['module', 'esm'],
        ['commonjs', 'cjs'],
      ] as const) {
        const app = path.join(work, type);
        await typedConsumer(app, type, tarball, requiredPackages(pkg));
        // skipLibCheck off: tsc checks every declaration file the entry points reach.
        const tsc = await run(process.execPath, [TSC, '-p', app, '--listFiles'], { cwd: app, timeoutMs: 120_000 });
        checked.push({ type, code: tsc.code, errors: errorLines(tsc.stdout) });
        // The build that `type` picks (package.json "exports": import / require) is the one checked.
        expect(tsc.stdout).toContain(`/node_modules/nestjs-dramatiq-broker/dist/${build}/core/index.d.ts`);
        expect(tsc.stdout).not.toContain(`/nestjs-dramatiq-broker/dist/${build === 'esm' ? 'cjs' : 'esm'}/`);

        // ...and the same folder does miss the optional peers, so the check can fail.
        const peersTs = optional.map((name, i) => `export type * as peer${i} from '${name}';\n`).join('');
        await fs.writeFile(path.join(app, 'peers.ts'), peersTs);
        const peers = await run(process.execPath, [TSC, '-p', path.join(app, 'tsconfig.peers.json'), '--listFiles'], {
          cwd: app,
          timeoutMs: 60_000,
        });
        // Found anyway: a node_modules above the temp folder (e.g. a stray /tmp/node_modules) makes
        // this check meaningless; the paths say where they came from.
        const found = peers.stdout.split('\n').filter((line) => optional.some((name) => line.includes(`/${name}/`)));
        expect({ code: peers.code, found }).toEqual({ code: 2, found: [] });
        for (const name of optional) expect(peers.stdout).toContain(`Cannot find module '${name}'`);

        // The health entry is built on @nestjs/terminus: with it, and still no other optional peer.
        await linkPackages(app, ['@nestjs/terminus']);
        await fs.writeFile(path.join(app, 'health.ts'), HEALTH_TS);
        const health = await run(process.execPath, [TSC, '-p', path.join(app, 'tsconfig.health.json')], {
          cwd: app,
          timeoutMs: 120_000,
        });
        checked.push({ type: `${type}, health entry`, code: health.code, errors: errorLines(health.stdout) });
      }
      expect(checked).toEqual([
        { type: 'module', code: 0, errors: [] },
        { type: 'module, health entry', code: 0, errors: [] },
        { type: 'commonjs', code: 0, errors: [] },
        { type: 'commonjs, health entry', code: 0, errors: [] },
      ]);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }, 300_000);
});

interface PackageJson {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

/** The repository's own TypeScript, run by the test's Node: nothing is downloaded. */
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** What a user must install next to the package: its dependencies, its required peers, Node's types. */
function requiredPackages(pkg: PackageJson): string[] {
  const required = Object.keys(pkg.peerDependencies).filter((name) => !pkg.peerDependenciesMeta[name]?.optional);
  return [...Object.keys(pkg.dependencies), ...required, '@types/node'];
}

/**
 * A TypeScript app in `dir` (`type`: its package.json "type"): the packed package unpacked into
 * node_modules, the required packages linked from this repository's node_modules, the optional
 * peers absent. The links resolve to their real paths (tsc's default), where this repository's
 * node_modules is in reach; the unpacked package is a real copy in `dir`, where it is not.
 */
async function typedConsumer(dir: string, type: 'module' | 'commonjs', tarball: string, required: string[]) {
  const own = path.join(dir, 'node_modules', 'nestjs-dramatiq-broker');
  await fs.mkdir(own, { recursive: true });
  const untar = await run('tar', ['-xzf', tarball, '-C', own, '--strip-components=1'], { cwd: dir });
  expect(untar.code).toBe(0);
  await linkPackages(dir, required);
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ private: true, type }));
  await fs.copyFile(fileURLToPath(new URL('./fixtures/typed-consumer.ts', import.meta.url)), path.join(dir, 'main.ts'));
  const compilerOptions = {
    target: 'ES2022',
    // nodenext in both: a CommonJS file then requires NestJS 12 (ESM only) as Node >= 20.19 does,
    // where node16 would refuse that for NestJS's sake, not this package's.
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    types: ['node'],
    noEmit: true,
  };
  await fs.writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
  for (const name of ['peers', 'health']) {
    const config = { extends: './tsconfig.json', files: [`${name}.ts`] };
    await fs.writeFile(path.join(dir, `tsconfig.${name}.json`), JSON.stringify(config));
  }
}

/** Links packages from this repository's node_modules into `dir`'s, as if installed there. */
async function linkPackages(dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    await fs.mkdir(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true });
    await fs.symlink(path.join(root, 'node_modules', name), path.join(dir, 'node_modules', name), 'dir');
  }
}

const HEALTH_TS = `import { BrokerHealthIndicator, BrokerHealthModule } from 'nestjs-dramatiq-broker/health';
export const used = [BrokerHealthIndicator, BrokerHealthModule];
`;

/** tsc's error lines (it writes them to stdout), for a readable failure. */
function errorLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.includes('error TS'));
}
