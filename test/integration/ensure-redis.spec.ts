/** scripts/ensure-redis.sh: idempotent, starts a Redis where none answers, refuses a port taken by something else. */
import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { run } from '../support/exec.js';
import { freePort } from '../support/ports.js';
import { plainRedis } from '../support/redis.js';

const script = fileURLToPath(new URL('../../scripts/ensure-redis.sh', import.meta.url));
const env = (port: number) => ({ ...process.env, ENSURE_REDIS_PORT: String(port), ENSURE_REDIS_TIMEOUT: '15' });

describe('scripts/ensure-redis.sh', () => {
  it('does nothing when Redis answers on 6379', async () => {
    const result = await run('bash', [script], { timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('already answers on 127.0.0.1:6379');
  });

  it('starts a Redis on a free port, then finds it running', async () => {
    const port = await freePort();
    const started = await run('bash', [script], { env: env(port), timeoutMs: 60_000 });
    const redis = plainRedis(`redis://127.0.0.1:${port}`);
    try {
      expect(started.code).toBe(0);
      expect(started.stderr).toContain(`Redis answers on 127.0.0.1:${port}.`);
      expect(await redis.ping()).toBe('PONG');
      const again = await run('bash', [script], { env: env(port), timeoutMs: 30_000 });
      expect(again.stderr).toContain('already answers');
    } finally {
      redis.disconnect();
      await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { timeoutMs: 10_000 });
    }
  });

  it('fails with a clear message when the port is taken by something that is not Redis', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined); // the script hangs up first
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const result = await run('bash', [script], { env: env(port), timeoutMs: 30_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('does not answer PING like Redis');
    } finally {
      server.close();
    }
  });
});
