/** Redis helpers for tests: a plain client to the shared Redis, CLIENT LIST, private servers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A client of its own (closed by the caller), errors swallowed so a stopped server does not crash the test. */
export function plainRedis(url = REDIS_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => undefined);
  return redis;
}

/** Connections Redis lists under CLIENT SETNAME `name`. */
export async function clientsNamed(redis: Redis, name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

/** Writes a document exactly as Python Dramatiq's RedisBackend does: DEL + LPUSH + PEXPIRE in one MULTI. */
export async function storeAsPython(redis: Redis, key: string, document: string, ttlMs = 60_000): Promise<void> {
  await redis.multi().del(key).lpush(key, document).pexpire(key, ttlMs).exec();
}

/** A redis-server of this test's own on a free port, no persistence; stop() and start() again on the same port. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    const probe = plainRedis(this.url);
    try {
      await waitFor(async () => (await probe.ping()) === 'PONG', {
        timeoutMs: 10_000,
        message: `redis-server on ${this.port}`,
      });
    } finally {
      probe.disconnect();
    }
  }

  /** SIGSTOP: connections stay open but nothing answers (a hung or unreachable server). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the server (no clean shutdown: clients see the connection drop) and waits for its exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
