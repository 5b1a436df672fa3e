/**
 * A private RabbitMQ node for tests that need special server settings (TLS, connection limits,
 * heartbeats, management API, broker restarts) without touching the machine's own node.
 * Each node has its own name, ports, config and data directory (see start() below).
 *
 * Timings measured here (RabbitMQ 3.10.8 / OTP 25, 2 cores):
 * - start(), plain or with TLS: ~4.5-5 s (rabbitmq-server -detached returns at once; the first
 *   `await_startup` fails with "node not running" until the node registers with epmd, the
 *   next one blocks until boot completes). With the management plugin (enabled through the
 *   enabled_plugins file before boot): ~5 s.
 * - start() over a stale node left by a crashed run: +2.5-8 s (stopping it first).
 * - stop(): ~2.6-3.5 s (`rabbitmqctl stop` returns in ~0.45 s; the beam process exits ~3 s later).
 * - a failed start (e.g. a bad rabbitmq.conf line) is reported after ~6-10 s, with the server's own
 *   output (captured by one bounded foreground run, as -detached discards it).
 * - each rabbitmqctl call: ~0.35-0.4 s.
 *
 * The node's files live in `${os.tmpdir()}/ndb-rabbit-<name>` (a stable path, so a node left
 * over by a crashed run can be found again: start() stops it first, via rabbitmqctl with the old
 * cookie or, failing that, by killing the beam.smp whose `-home` is in that directory).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from './exec.js';
import { isPortFree, waitForPortFree, waitForPortOpen } from './ports.js';
import {
  closeAllConnections,
  ctl,
  ctlRaw,
  deleteQueue,
  listConnections,
  listQueues,
  type ConnectionInfo,
  type QueueInfo,
  type RabbitNodeHandle,
} from './rabbitmqctl.js';
import type { TlsMaterial } from './tls-material.js';
import { sleep, waitFor } from './wait.js';

const RABBIT_BIN = process.env.RABBITMQ_BIN_DIR ?? '/usr/lib/rabbitmq/bin';

export interface PrivateRabbitNodeOptions {
  /** Node short name ("test1") or full name ("test1@localhost"). Must be unique per running node. */
  name: string;
  /** AMQP port (127.0.0.1). */
  port: number;
  /** Erlang distribution port. */
  distPort: number;
  /** TLS listener on 127.0.0.1:tls.port with verify_peer. */
  tls?: { port: number; certs: TlsMaterial; failIfNoPeerCert?: boolean; verify?: 'verify_peer' | 'verify_none' };
  /** Enables rabbitmq_management on 127.0.0.1:management.port (adds ~2.5 s to start). */
  management?: { port: number };
  /** Extra rabbitmq.conf lines, appended last. */
  extraConfig?: string[];
  /** `connection_max = N` with `num_acceptors.tcp = 1` (exact in 3.10; refused connects hang). */
  connectionMax?: number;
  /** Bound on start-up. Default 60 000 ms. */
  startTimeoutMs?: number;
  /** Keep the node's directory after stop() (logs). Default false. */
  keepDir?: boolean;
}

export interface NodeTimings {
  startMs?: number;
  stopMs?: number;
}

function shortName(name: string): string {
  const s = name.split('@')[0]!;
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error(`PrivateRabbitNode: invalid node name ${JSON.stringify(name)}`);
  return s;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readCmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s.length > 0);
  } catch {
    return undefined;
  }
}

async function readComm(pid: number): Promise<string | undefined> {
  try {
    return (await fsp.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function listPids(): Promise<number[]> {
  try {
    return (await fsp.readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** beam.smp processes started with `-home <home>` (i.e. nodes of ours using that HOME). */
async function findBeamPidsWithHome(home: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await listPids()) {
    const args = await readCmdline(pid);
    if (!args || !args[0]?.endsWith('beam.smp')) continue;
    const i = args.indexOf('-home');
    if (i >= 0 && args[i + 1] === home) found.push(pid);
  }
  return found;
}

async function findEpmdPids(): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await listPids()) if ((await readComm(pid)) === 'epmd') found.push(pid);
  return found;
}

/** Names registered with the local epmd, or undefined when epmd is not running. */
async function epmdNames(): Promise<string[] | undefined> {
  try {
    const r = await run('epmd', ['-names'], { timeoutMs: 5_000 });
    if (r.code !== 0) return undefined;
    return [...r.stdout.matchAll(/^name (\S+) at port/gm)].map((m) => m[1]!);
  } catch {
    return undefined; // epmd binary missing
  }
}

async function killAndWait(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    const d2 = Date.now() + 5_000;
    while (pidAlive(pid) && Date.now() < d2) await sleep(100);
  }
}

function stripInheritedRabbitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('RABBITMQ_') || k.startsWith('ERL_')) continue;
    out[k] = v;
  }
  return out;
}

export class PrivateRabbitNode implements RabbitNodeHandle {
  readonly ctlPath = path.join(RABBIT_BIN, 'rabbitmqctl');
  readonly nodeName: string;
  /** Environment for the CLI tools: same HOME as the node (Erlang cookie). */
  readonly env: NodeJS.ProcessEnv;
  readonly timings: NodeTimings = {};
  private pid: number | undefined;
  private epmdPidsWeStarted: number[] = [];
  private stopped = false;

  private constructor(
    readonly opts: PrivateRabbitNodeOptions,
    readonly dir: string,
    private readonly serverEnv: NodeJS.ProcessEnv,
  ) {
    this.nodeName = `${shortName(opts.name)}@localhost`;
    this.env = {
      ...stripInheritedRabbitEnv(process.env),
      HOME: path.join(dir, 'home'),
      RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    };
  }

  get port(): number {
    return this.opts.port;
  }
  get tlsPort(): number | undefined {
    return this.opts.tls?.port;
  }
  get amqpUrl(): string {
    return `amqp://guest:guest@127.0.0.1:${this.opts.port}`;
  }
  /** amqps://localhost:TLSPORT (the server certificate is for localhost / 127.0.0.1). */
  get amqpsUrl(): string {
    if (!this.opts.tls) throw new Error(`PrivateRabbitNode ${this.nodeName} has no TLS listener`);
    return `amqps://localhost:${this.opts.tls.port}`;
  }
  get managementUrl(): string {
    if (!this.opts.management) throw new Error(`PrivateRabbitNode ${this.nodeName} has no management listener`);
    return `http://127.0.0.1:${this.opts.management.port}`;
  }
  get logPath(): string {
    return path.join(this.dir, 'log', `${this.nodeName}.log`);
  }
  get osPid(): number | undefined {
    return this.pid;
  }

  static async start(opts: PrivateRabbitNodeOptions): Promise<PrivateRabbitNode> {
    const t0 = Date.now();
    const name = shortName(opts.name);
    const nodeName = `${name}@localhost`;
    const dir = path.join(os.tmpdir(), `ndb-rabbit-${name}`);
    const home = path.join(dir, 'home');

    await PrivateRabbitNode.stopStale(dir, nodeName);
    await fsp.rm(dir, { recursive: true, force: true });

    // Fail clearly if a port is held by someone else (give a just-stopped node a moment).
    const ports: Array<[string, number]> = [
      ['AMQP', opts.port],
      ['distribution', opts.distPort],
    ];
    if (opts.tls) ports.push(['TLS', opts.tls.port]);
    if (opts.management) ports.push(['management', opts.management.port]);
    for (const [what, p] of ports) {
      if (!(await isPortFree(p))) {
        try {
          await waitForPortFree(p, '127.0.0.1', 10_000);
        } catch {
          throw new Error(`PrivateRabbitNode ${nodeName}: ${what} port 127.0.0.1:${p} is in use by another process`);
        }
      }
    }
    const registered = await epmdNames();
    if (registered?.includes(name))
      throw new Error(
        `PrivateRabbitNode: a node named ${nodeName} is still registered with epmd and could not be stopped`,
      );
    const epmdWasRunning = registered !== undefined;

    for (const d of ['home', 'conf.d', 'mnesia', 'log']) await fsp.mkdir(path.join(dir, d), { recursive: true });
    await fsp.writeFile(path.join(dir, 'rabbitmq.conf'), PrivateRabbitNode.renderConfig(opts));
    await fsp.writeFile(path.join(dir, 'advanced.config'), '[].\n');
    await fsp.writeFile(path.join(dir, 'enabled_plugins'), opts.management ? '[rabbitmq_management].\n' : '[].\n');
    await fsp.writeFile(path.join(dir, 'rabbitmq-env.conf'), '');

    const serverEnv: NodeJS.ProcessEnv = {
      ...stripInheritedRabbitEnv(process.env),
      HOME: home,
      RABBITMQ_NODENAME: nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(opts.port),
      RABBITMQ_DIST_PORT: String(opts.distPort),
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(dir, 'log'),
      RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
      RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
      RABBITMQ_CONFIG_FILES: path.join(dir, 'conf.d'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      // A VM that fails to boot writes a crash dump; keep it out of the caller's cwd.
      ERL_CRASH_DUMP: path.join(dir, 'log', 'erl_crash.dump'),
    };
    const node = new PrivateRabbitNode(opts, dir, serverEnv);
    try {
      await node.boot(opts.startTimeoutMs ?? 60_000);
    } catch (e) {
      const log = await node.readLog(4_000);
      await node.shutdown().catch(() => undefined);
      // With -detached the VM's own output (e.g. a rabbitmq.conf error) is lost: run it once in
      // the foreground (bounded) to capture it.
      const fg = await run(path.join(RABBIT_BIN, 'rabbitmq-server'), [], {
        env: serverEnv,
        timeoutMs: 15_000,
        cwd: dir,
      }).catch((err: Error) => ({ stdout: '', stderr: err.message }));
      await node.stop().catch(() => undefined);
      const all = `${fg.stdout}\n${fg.stderr}`.trim();
      // The cause comes first (e.g. "Error preparing configuration ..."), a crash report follows.
      const fgOut = all.length <= 4_000 ? all : `${all.slice(0, 3_000)}\n[...]\n${all.slice(-800)}`;
      throw new Error(
        `${(e as Error).message}\n--- tail of ${node.logPath} ---\n${log}\n--- rabbitmq-server run in the foreground said ---\n${fgOut}`,
        { cause: e },
      );
    }
    if (!epmdWasRunning) node.epmdPidsWeStarted = await findEpmdPids();
    node.timings.startMs = Date.now() - t0;
    return node;
  }

  private static renderConfig(opts: PrivateRabbitNodeOptions): string {
    const lines = [`listeners.tcp.default = 127.0.0.1:${opts.port}`, 'log.console = false', 'log.file.level = info'];
    if (opts.tls) {
      const c = opts.tls.certs;
      lines.push(
        `listeners.ssl.default = 127.0.0.1:${opts.tls.port}`,
        `ssl_options.cacertfile = ${c.caPath}`,
        `ssl_options.certfile = ${c.certPath}`,
        `ssl_options.keyfile = ${c.keyPath}`,
        `ssl_options.verify = ${opts.tls.verify ?? 'verify_peer'}`,
        `ssl_options.fail_if_no_peer_cert = ${opts.tls.failIfNoPeerCert ?? true}`,
      );
    }
    if (opts.management) lines.push('management.tcp.ip = 127.0.0.1', `management.tcp.port = ${opts.management.port}`);
    if (opts.connectionMax !== undefined) lines.push(`connection_max = ${opts.connectionMax}`, 'num_acceptors.tcp = 1');
    lines.push(...(opts.extraConfig ?? []));
    return `${lines.join('\n')}\n`;
  }

  /** Stops a node left over from an earlier run that used the same directory/name. */
  private static async stopStale(dir: string, nodeName: string): Promise<void> {
    const home = path.join(dir, 'home');
    if (!fs.existsSync(dir)) {
      // The directory is gone, but a beam with that HOME could still be running.
      for (const pid of await findBeamPidsWithHome(home)) await killAndWait(pid, 10_000);
      return;
    }
    if (fs.existsSync(path.join(home, '.erlang.cookie'))) {
      await run(path.join(RABBIT_BIN, 'rabbitmqctl'), ['-n', nodeName, 'stop'], {
        env: {
          ...stripInheritedRabbitEnv(process.env),
          HOME: home,
          RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
        },
        timeoutMs: 20_000,
      }).catch(() => undefined);
    }
    const pids = new Set(await findBeamPidsWithHome(home));
    try {
      const pid = Number((await fsp.readFile(path.join(dir, 'rabbit.pid'), 'utf8')).trim());
      const args = pid > 0 ? await readCmdline(pid) : undefined;
      if (args && args.includes(home)) pids.add(pid);
    } catch {
      /* no pid file */
    }
    await Promise.all([...pids].map((pid) => killAndWait(pid, 10_000)));
  }

  private async boot(timeoutMs: number): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    // -detached forks the VM and returns at once; the VM keeps no pipe of ours open, but resolve
    // on exit anyway so a daemon holding stdio can never hang us.
    const r = await run(path.join(RABBIT_BIN, 'rabbitmq-server'), ['-detached'], {
      env: this.serverEnv,
      timeoutMs: 30_000,
      resolveOnExit: true,
      cwd: this.dir,
    });
    if (r.code !== 0)
      throw new Error(`rabbitmq-server -detached exited with ${r.code ?? r.signal}: ${r.stderr || r.stdout}`);

    let last: RunResult | undefined;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `PrivateRabbitNode ${this.nodeName} did not start within ${timeoutMs} ms` +
            (last ? `; last await_startup: ${(last.stderr || last.stdout).trim().slice(0, 500)}` : ''),
        );
      }
      const waitS = Math.max(1, Math.min(30, Math.floor(remaining / 1000)));
      last = await ctlRaw(['-q', 'await_startup', '--timeout', String(waitS)], this, {
        timeoutMs: (waitS + 10) * 1000,
      });
      if (last.code === 0) break;
      // Before the VM registers with epmd, await_startup fails at once ("node not running").
      await this.readPid();
      if (this.pid !== undefined && !pidAlive(this.pid)) {
        throw new Error(`PrivateRabbitNode ${this.nodeName}: the VM (pid ${this.pid}) exited during start-up`);
      }
      // Fail fast if the VM died before writing its pid file (e.g. a bad rabbitmq.conf).
      if (Date.now() - started > 5_000 && (await findBeamPidsWithHome(path.join(this.dir, 'home'))).length === 0) {
        throw new Error(`PrivateRabbitNode ${this.nodeName}: no VM is running (it exited during start-up)`);
      }
      await sleep(250);
    }
    await this.readPid();
    await waitForPortOpen(this.opts.port, '127.0.0.1', Math.max(1_000, deadline - Date.now()));
    if (this.opts.tls) await waitForPortOpen(this.opts.tls.port, '127.0.0.1', Math.max(1_000, deadline - Date.now()));
    if (this.opts.management)
      await waitForPortOpen(this.opts.management.port, '127.0.0.1', Math.max(1_000, deadline - Date.now()));
  }

  private async readPid(): Promise<void> {
    for (const f of [path.join(this.dir, 'rabbit.pid'), path.join(this.dir, 'mnesia', `${this.nodeName}.pid`)]) {
      try {
        const pid = Number((await fsp.readFile(f, 'utf8')).trim());
        if (pid > 0) {
          this.pid = pid;
          return;
        }
      } catch {
        /* not written yet */
      }
    }
  }

  /** The last `maxBytes` of the node's log file. */
  async readLog(maxBytes = 64 * 1024): Promise<string> {
    try {
      const buf = await fsp.readFile(this.logPath);
      return buf.subarray(Math.max(0, buf.length - maxBytes)).toString('utf8');
    } catch {
      return '(no log)';
    }
  }

  /** rabbitmqctl against this node; resolves with stdout, rejects on failure. */
  ctl(...args: string[]): Promise<string> {
    return ctl(args, this);
  }
  /** rabbitmqctl against this node; never rejects for a non-zero exit. */
  ctlRaw(args: string[], timeoutMs = 30_000): Promise<RunResult> {
    return ctlRaw(args, this, { timeoutMs });
  }

  listConnections(): Promise<ConnectionInfo[]> {
    return listConnections(this);
  }
  closeAllConnections(reason = 'closed by test'): Promise<void> {
    return closeAllConnections(reason, this);
  }
  listQueues(vhost = '/'): Promise<QueueInfo[]> {
    return listQueues(this, { vhost });
  }
  deleteQueue(name: string, vhost = '/'): Promise<boolean> {
    return deleteQueue(name, this, { vhost });
  }

  /** Stops the RabbitMQ application (clients get 320 "shutdown", then ECONNREFUSED). */
  async stopApp(): Promise<void> {
    await ctl(['-q', 'stop_app'], this, { timeoutMs: 60_000 });
  }
  /** Starts the application again and waits until the AMQP port accepts connections. */
  async startApp(): Promise<void> {
    await ctl(['-q', 'start_app'], this, { timeoutMs: 60_000 });
    await waitForPortOpen(this.opts.port, '127.0.0.1', 30_000);
    if (this.opts.tls) await waitForPortOpen(this.opts.tls.port, '127.0.0.1', 30_000);
  }

  /** max-connections for vhost "/" (clean refusal: "Expected ConnectionOpenOk"); null clears all vhost limits. */
  async setVhostConnectionLimit(n: number | null, vhost = '/'): Promise<void> {
    if (n === null) await ctl(['-q', 'clear_vhost_limits', '-p', vhost], this);
    else await ctl(['-q', 'set_vhost_limits', '-p', vhost, JSON.stringify({ 'max-connections': n })], this);
  }
  /** max-connections for a user; null clears the user's limits. */
  async setUserConnectionLimit(n: number | null, user = 'guest'): Promise<void> {
    if (n === null) await ctl(['-q', 'clear_user_limits', user, 'all'], this);
    else await ctl(['-q', 'set_user_limits', user, JSON.stringify({ 'max-connections': n })], this);
  }
  /**
   * vm_memory_high_watermark: a fraction (e.g. 0.000001 raises the memory alarm at once, so
   * publishers get connection.blocked; 0.4 is the default) or an absolute amount such as '50MB'.
   */
  async setMemoryHighWatermark(x: number | string): Promise<void> {
    if (typeof x === 'number') await ctl(['-q', 'set_vm_memory_high_watermark', String(x)], this);
    else await ctl(['-q', 'set_vm_memory_high_watermark', 'absolute', x], this);
  }

  /**
   * Stops the node and waits for its VM to exit (bounded; SIGKILL as a last resort), ends the
   * epmd only if this node started it and no other node is registered, and removes `dir`
   * unless keepDir was set. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const t0 = Date.now();
    await this.shutdown();
    if (!this.opts.keepDir) await fsp.rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    this.timings.stopMs = Date.now() - t0;
  }

  /** Stops the VM (and our epmd, if unused); keeps the directory. */
  private async shutdown(): Promise<void> {
    await this.readPid();
    await ctlRaw(['-q', 'stop'], this, { timeoutMs: 20_000 }).catch(() => undefined);
    const pid = this.pid;
    if (pid !== undefined) {
      try {
        await waitFor(() => !pidAlive(pid), { timeoutMs: 20_000, intervalMs: 100, message: `beam pid ${pid} to exit` });
      } catch {
        await killAndWait(pid, 5_000);
      }
    }
    for (const leftover of await findBeamPidsWithHome(path.join(this.dir, 'home'))) await killAndWait(leftover, 5_000);

    if (this.epmdPidsWeStarted.length > 0) {
      const names = await epmdNames();
      if (names !== undefined && names.length === 0) {
        for (const epmdPid of this.epmdPidsWeStarted) {
          if ((await readComm(epmdPid)) === 'epmd') await killAndWait(epmdPid, 5_000);
        }
      }
    }
  }
}
