/**
 * Asynchronous child-process runner for the test harness.
 *
 * Never use execSync/spawnSync in tests: it blocks the event loop, so AMQP
 * heartbeats, consumers and timers stall while the child runs (a rabbitmqctl
 * call costs ~0.35 s).
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Full environment of the child. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kill the child (and its process group) after this many ms. Default 30 000. */
  timeoutMs?: number;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /**
   * Resolve on 'exit' instead of waiting for stdout/stderr to close. Needed for
   * commands that leave a daemon holding the pipes open (e.g. `rabbitmq-server -detached`).
   * Output written after exit is lost in that case.
   */
  resolveOnExit?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the child was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
}

export class RunError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Runs a command asynchronously. Never rejects for a non-zero exit code (see runOk). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      // Own process group, so a timeout can kill the whole tree (rabbitmqctl is a
      // shell script that execs erl, which may have children of its own).
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;

    const killTree = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig); // the child's own process group
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killTree('SIGTERM');
      // Escalate if it ignores SIGTERM; bounded, unref'd.
      setTimeout(() => killTree('SIGKILL'), 2_000).unref();
    }, timeoutMs);
    timer.unref();

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: exitCode,
        signal: exitSignal,
        timedOut,
        durationMs: Date.now() - started,
      });
    };

    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {
      /* EPIPE if the child does not read stdin */
    });
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e); // e.g. ENOENT: command not found
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      if (opts.resolveOnExit) {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }
    });
    child.on('close', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      finish();
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like run(), but rejects with a RunError unless the command exits with code 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0 || r.timedOut) {
    const why = r.timedOut
      ? `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
      : `exited with ${r.code ?? r.signal}`;
    const detail = (r.stderr.trim() || r.stdout.trim()).slice(0, 2_000);
    throw new RunError(`${cmd} ${args.join(' ')} ${why}${detail ? `: ${detail}` : ''}`, r);
  }
  return r;
}
