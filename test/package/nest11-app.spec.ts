/**
 * NestJS 11 support, for real: builds the package and packs it with `npm pack`, checks the
 * tarball holds only what a user needs, installs it with NestJS 11 (common, core,
 * platform-express, terminus) into a CommonJS application in a temporary folder, as a user
 * would, and runs that application (fixtures/nest11-app/app.js, plain JavaScript) against the
 * machine's RabbitMQ (127.0.0.1:5672): BrokerModule.forRoot, an @Actor() method fed through
 * TaskQueue.send, a Terminus /health route with BrokerHealthIndicator, and a SIGTERM shutdown.
 *
 * Needs the npm registry (or a warm npm cache) for NestJS 11. The queues it declares (a name of
 * its own) and the temporary folders are removed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from '../support/exec.js';
import { waitFor } from '../support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/nest11-app/app.js', import.meta.url));
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const QUEUE = `nest11-${process.pid}-${randomBytes(4).toString('hex')}`;
const NPM_INSTALL_TIMEOUT_MS = 300_000;

/** The only entries a user needs; CHANGELOG.md is welcome too. */
const TOP_LEVEL_FILES = ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/CHANGELOG.md'];

/**
 * The environment of the npm install and of the app. Under `npm test`, npm hands this
 * repository's own settings down (npm_config_local_prefix=<repo>, npm_package_*, ...): the
 * app's folder must not inherit them. Nor Jest's NODE_OPTIONS. NO_COLOR: plain log lines.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|userconfig|globalconfig|registry|cafile|proxy|https_proxy|noproxy)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    if (/^npm_/i.test(key) && !keep.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function describeRun(what: string, r: RunResult, timeoutMs: number): string {
  const why = r.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${r.code ?? r.signal}`;
  return `${what} ${why}\n--- stderr ---\n${r.stderr.trim().slice(-4_000)}\n--- stdout ---\n${r.stdout.trim().slice(-2_000)}`;
}

/** Runs a command; throws with its output unless it exits with 0 in time. */
async function mustRun(
  what: string,
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0 || r.timedOut) throw new Error(describeRun(what, r, opts.timeoutMs));
  return r;
}

/** The application, run with `node app.js`; keeps its output. */
class AppProcess {
  stdout = '';
  stderr = '';
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['app.js'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** The JSON after `<tag> ` on a line of stdout, or the rest of that line. */
  line(tag: string): string | undefined {
    const found = this.stdout.split('\n').find((l) => l.startsWith(`${tag} `));
    return found?.slice(tag.length + 1).trim();
  }

  output(): string {
    return `--- app stdout (tail) ---\n${this.stdout.slice(-4_000)}\n--- app stderr ---\n${this.stderr.slice(-4_000)}`;
  }

  /** Bounded wait; on timeout the error shows the app's output. */
  async waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    try {
      await waitFor(predicate, { timeoutMs, intervalMs: 100, message: what });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.output()}`, { cause: err });
    }
  }
}

interface Reply {
  status: number;
  body: any;
}

describe('a NestJS 11 CommonJS application using the packed package', () => {
  let packDir: string | undefined;
  let appDir: string | undefined;
  let tarball = '';
  let entries: string[] = [];
  let app: AppProcess | undefined;
  let base = '';

  async function http(method: 'GET' | 'POST', route: string): Promise<Reply> {
    const res = await fetch(`${base}${route}`, { method, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body };
  }

  beforeAll(async () => {
    await mustRun('npm run build', 'npm', ['run', 'build'], { cwd: root, timeoutMs: 180_000 });
    packDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nest11-pack-'));
    const pack = await mustRun('npm pack', 'npm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: root,
      timeoutMs: 60_000,
    });
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
    tarball = path.join(packDir, packed.filename);
    const listing = await mustRun('tar -tzf', 'tar', ['-tzf', tarball], { cwd: packDir, timeoutMs: 30_000 });
    entries = listing.stdout.split('\n').filter((l) => l !== '');

    // The application's folder: CommonJS (no "type"), NestJS 11, the package from its tarball.
    appDir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'nest11-app-')));
    const manifest = {
      name: 'nest11-app',
      version: '0.0.0',
      private: true,
      dependencies: {
        '@nestjs/common': '^11.0.0',
        '@nestjs/core': '^11.0.0',
        '@nestjs/platform-express': '^11.0.0',
        '@nestjs/terminus': '^11.0.0',
        'nestjs-dramatiq-broker': `file:${tarball}`,
        'reflect-metadata': '^0.2.2',
        rxjs: '^7.8.1',
      },
    };
    await fs.writeFile(path.join(appDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await fs.copyFile(fixture, path.join(appDir, 'app.js'));
    await mustRun(
      'npm install (NestJS 11 and the packed package, in the app folder)',
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefix', appDir],
      {
        cwd: appDir,
        env: childEnv(),
        timeoutMs: NPM_INSTALL_TIMEOUT_MS,
      },
    );

    app = new AppProcess(appDir, childEnv({ AMQP_URL, QUEUE }));
    const started = app;
    await started.waitFor(
      () => started.line('LISTENING') !== undefined || started.exit !== undefined,
      'the app to listen',
      60_000,
    );
    if (started.exit)
      throw new Error(`the app exited at start (${started.exit.code ?? started.exit.signal})\n${started.output()}`);
    base = `http://127.0.0.1:${Number(started.line('LISTENING'))}`;
  }, 600_000);

  afterAll(async () => {
    if (app && !app.exit) {
      app.child.kill('SIGKILL');
      await Promise.race([app.exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    const conn = await amqplib.connect(AMQP_URL, { timeout: 5_000 });
    try {
      const ch = await conn.createChannel();
      for (const q of [QUEUE, `${QUEUE}.DQ`, `${QUEUE}.XQ`]) await ch.deleteQueue(q);
    } finally {
      await conn.close();
    }
    for (const dir of [appDir, packDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('the tarball holds dist/, package.json, README.md and LICENSE, nothing else', () => {
    const unexpected = entries.filter((e) => !e.startsWith('package/dist/') && !TOP_LEVEL_FILES.includes(e));
    expect(unexpected).toEqual([]);
    for (const needed of [
      'package/package.json',
      'package/README.md',
      'package/LICENSE',
      'package/dist/cjs/package.json',
      'package/dist/cjs/index.js',
      'package/dist/cjs/index.d.ts',
      'package/dist/cjs/health/index.js',
      'package/dist/esm/index.js',
      'package/dist/esm/index.d.ts',
      'package/dist/esm/health/index.js',
    ]) {
      expect(entries).toContain(needed);
    }
    // TypeScript sources stay home: only declarations are shipped.
    expect(entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs next to NestJS 11, and the app loads the CommonJS build with its own NestJS', async () => {
    const versionOf = async (pkg: string): Promise<string> =>
      (
        JSON.parse(await fs.readFile(path.join(appDir!, 'node_modules', pkg, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    for (const pkg of ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/terminus']) {
      expect(`${pkg}@${await versionOf(pkg)}`).toMatch(new RegExp(`^${pkg}@11\\.`));
    }
    const ours = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await versionOf('nestjs-dramatiq-broker')).toBe(ours.version);

    const info = JSON.parse(app!.line('INFO') ?? 'null') as Record<string, unknown> | null;
    expect(info).toEqual({
      nestCore: await versionOf('@nestjs/core'),
      packageMain: path.join(appDir!, 'node_modules', 'nestjs-dramatiq-broker', 'dist', 'cjs', 'index.js'),
      sameNestCore: true,
      sameNestCommon: true,
    });
  });

  it('forRoot connects at start, the worker consumes the actor queue, /health reports the broker up', async () => {
    expect(app!.stdout).toContain(`Actors: record (queue "${QUEUE}")`);
    expect(app!.stdout).toContain(`Consuming "${QUEUE}"`);
    const reply = await http('GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      status: 'ok',
      info: {
        rabbitmq: {
          status: 'up',
          strategy: 'shared',
          connections: [{ role: 'shared', name: `nest11-app-${app!.child.pid}`, state: 'connected' }],
        },
      },
      error: {},
    });
  });

  it('TaskQueue.send reaches the @Actor() method, which runs with the arguments sent', async () => {
    expect(await http('GET', '/received')).toEqual({ status: 200, body: [] });
    const token = `t-${randomBytes(6).toString('hex')}`;
    const sent = await http('POST', `/send/${token}`);
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ messageId: expect.stringMatching(/^[0-9a-f-]{36}$/), actor: 'record', queue: QUEUE });

    let received: Reply = { status: 0, body: [] };
    await app!.waitFor(
      async () => {
        received = await http('GET', '/received');
        return Array.isArray(received.body) && received.body.length > 0;
      },
      'the actor to run',
      15_000,
    );
    expect(received).toEqual({ status: 200, body: [{ token, n: 42 }] });
    expect(app!.stdout).toContain(`ACTOR_RAN {"token":"${token}","n":42}`);
  });

  it('stops on SIGTERM: the worker stops, the process exits, the message was acknowledged', async () => {
    const running = app!;
    running.child.kill('SIGTERM');
    await running.waitFor(() => running.exit !== undefined, 'the app to exit after SIGTERM', 20_000);
    // enableShutdownHooks() re-raises the signal once every shutdown hook has run; a hook
    // that threw would have ended the process with exit code 1 instead.
    expect(running.exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(running.stdout).toMatch(new RegExp(`Worker stopped in \\d+ ms \\(queues: ${QUEUE}\\)`));
    expect(running.stderr).toBe('');

    // Nothing left behind: the message was acknowledged, nothing was dead-lettered.
    const conn = await amqplib.connect(AMQP_URL, { timeout: 5_000 });
    try {
      const ch = await conn.createChannel();
      expect((await ch.checkQueue(QUEUE)).messageCount).toBe(0);
      expect((await ch.checkQueue(`${QUEUE}.XQ`)).messageCount).toBe(0);
    } finally {
      await conn.close();
    }
  });
});
