/**
 * Builds the library and the reliability agents into a private directory under .tmp/ (swc,
 * about 50 ms: others run `npm run build`, which empties dist/, at the same time), and starts
 * agents as child processes.
 *
 * Layout of a build (one per test file, removed by dispose()):
 *   <dir>/package.json                         {"type":"module"}: no self-reference to the repo's dist/
 *   <dir>/lib/**.js                            the library, transpiled as is
 *   <dir>/test/reliability/agent/**.js         the agents
 *   <dir>/node_modules/nestjs-dramatiq-broker  the package by its name (re-exports <dir>/lib), or, with
 *                                              RELIABILITY_PACKAGE=dist, a link to the repo (its dist/,
 *                                              as built by `npm run build`)
 *   <dir>/*.mjs                                copies of test/reliability/agent/*.mjs (they import the
 *                                              package by name, as an application does)
 * Dependencies resolve from the repository's node_modules (Node walks up the directories).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';
import type { AgentConfig, AgentProgress, AgentResult, ChildMessage } from '../agent/protocol.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const SWC_OPTIONS: swc.Options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export interface Bundle {
  dir: string;
  loadAgent: string;
  /** Absolute path of a copied .mjs agent. */
  mjs(name: string): string;
  dispose(): Promise<void>;
}

async function listTs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listTs(p)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export async function buildBundle(): Promise<Bundle> {
  const dir = path.join(REPO_ROOT, '.tmp', 'reliability', `build-${process.pid}-${randomBytes(3).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'package.json'), '{"type":"module","private":true}\n');
  const agentDir = path.join(REPO_ROOT, 'test', 'reliability', 'agent');
  const sources = [...(await listTs(path.join(REPO_ROOT, 'lib'))), ...(await listTs(agentDir))];
  await Promise.all(
    sources.map(async (src) => {
      const rel = path.relative(REPO_ROOT, src).replace(/\.ts$/, '.js');
      const out = path.join(dir, rel);
      const { code } = await swc.transformFile(src, { ...SWC_OPTIONS, filename: src });
      await fs.mkdir(path.dirname(out), { recursive: true });
      await fs.writeFile(out, code);
    }),
  );
  for (const entry of await fs.readdir(agentDir)) {
    if (entry.endsWith('.mjs')) await fs.copyFile(path.join(agentDir, entry), path.join(dir, entry));
  }
  const pkgDir = path.join(dir, 'node_modules', 'nestjs-dramatiq-broker');
  if (process.env.RELIABILITY_PACKAGE === 'dist') {
    await fs.mkdir(path.dirname(pkgDir), { recursive: true });
    await fs.symlink(REPO_ROOT, pkgDir, 'dir');
  } else {
    await fs.mkdir(pkgDir, { recursive: true });
    await fs.writeFile(
      path.join(pkgDir, 'package.json'),
      JSON.stringify({
        name: 'nestjs-dramatiq-broker',
        type: 'module',
        exports: { '.': './index.js', './health': './health.js', './testing': './testing.js' },
      }),
    );
    await fs.writeFile(path.join(pkgDir, 'index.js'), "export * from '../../lib/index.js';\n");
    await fs.writeFile(path.join(pkgDir, 'health.js'), "export * from '../../lib/health/index.js';\n");
    await fs.writeFile(path.join(pkgDir, 'testing.js'), "export * from '../../lib/testing/index.js';\n");
  }
  return {
    dir,
    loadAgent: path.join(dir, 'test', 'reliability', 'agent', 'load-agent.js'),
    mjs: (name) => path.join(dir, name),
    dispose: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

/** A bounded text buffer for a child's stdout/stderr. */
export class OutputTail {
  private text = '';
  constructor(private readonly max = 2_000_000) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text;
  }
}

/** One load agent (see ../agent/load-agent.ts). */
export class LoadAgent {
  readonly stdout = new OutputTail();
  readonly stderr = new OutputTail();
  latest?: AgentProgress;
  private readonly progressListeners: Array<(p: AgentProgress) => void> = [];
  private readonly done: Promise<AgentResult>;
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    config: AgentConfig,
    timeoutMs: number,
  ) {
    child.stdout?.on('data', (c: Buffer) => this.stdout.push(c));
    child.stderr?.on('data', (c: Buffer) => this.stderr.push(c));
    this.done = new Promise<AgentResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `load agent ${config.label} did not finish within ${timeoutMs} ms; stderr:\n${this.stderr.toString().slice(-4_000)}`,
          ),
        );
      }, timeoutMs);
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') child.send({ type: 'start', config });
        else if (m.type === 'progress') {
          this.latest = m;
          for (const l of this.progressListeners) l(m);
        } else if (m.type === 'result') {
          clearTimeout(timer);
          resolve(m);
        } else if (m.type === 'fatal') {
          clearTimeout(timer);
          reject(
            new Error(
              `load agent ${config.label} failed: ${m.error}\nstderr:\n${this.stderr.toString().slice(-4_000)}`,
            ),
          );
        }
      });
      child.on('exit', (code, signal) => {
        this.exited = true;
        // A result or fatal message arrives before a normal exit; anything else is a crash.
        setTimeout(() => {
          clearTimeout(timer);
          reject(
            new Error(
              `load agent ${config.label} exited (${code ?? signal}) without a result; stderr:\n${this.stderr.toString().slice(-4_000)}`,
            ),
          );
        }, 500);
      });
    });
    this.done.catch(() => undefined);
  }

  static start(bundle: Bundle, config: AgentConfig, timeoutMs: number): LoadAgent {
    const child = fork(bundle.loadAgent, [], {
      cwd: bundle.dir,
      execArgv: ['--expose-gc', '--enable-source-maps'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    return new LoadAgent(child, config, timeoutMs);
  }

  onProgress(listener: (p: AgentProgress) => void): void {
    this.progressListeners.push(listener);
  }

  result(): Promise<AgentResult> {
    return this.done;
  }

  /** Resolves once the run is finished (result or failure). */
  get finished(): Promise<void> {
    return this.done.then(
      () => undefined,
      () => undefined,
    );
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
