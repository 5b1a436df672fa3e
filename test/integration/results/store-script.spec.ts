/**
 * How the Redis result backend writes: one server-side script per batch of stores (DEL + LPUSH +
 * PEXPIRE for each key), and the same writes in a MULTI when Redis refuses scripts (an ACL
 * without @scripting here). Either way the keys hold what Python Dramatiq would have written.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { RedisResultBackend } from '../../../lib/core/results/backends/redis-backend.js';
import { plainRedis } from '../../support/redis.js';

const admin = plainRedis();
const user = `no-scripts-${randomBytes(3).toString('hex')}`;
const password = randomBytes(8).toString('hex');
const keys: string[] = [];
afterAll(async () => {
  if (keys.length > 0) await admin.del(...keys);
  await admin.acl('DELUSER', user);
  admin.disconnect();
});

async function storeBatch(backend: RedisResultBackend, tag: string): Promise<string[]> {
  const batch = Array.from({ length: 5 }, (_, i) => `store-script:${tag}:${randomBytes(4).toString('hex')}:${i}`);
  keys.push(...batch);
  // Stores of one event-loop turn travel together.
  await Promise.all(batch.map((key, i) => backend.store(key, JSON.stringify({ i, tag }), 60_000)));
  return batch;
}

async function expectStoredAsDramatiq(batch: string[], tag: string): Promise<void> {
  for (const [i, key] of batch.entries()) {
    expect(await admin.type(key)).toBe('list');
    expect(await admin.lrange(key, 0, -1)).toEqual([JSON.stringify({ i, tag })]);
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  }
}

describe('RedisResultBackend stores', () => {
  it('write a batch with the store script: one list per key, one document, the TTL', async () => {
    const backend = new RedisResultBackend();
    try {
      // An old value of another type must not make the store fail (DEL first, as Dramatiq).
      const batch = await storeBatch(backend, 'script');
      await admin.set(batch[0]!, 'not a list');
      await backend.store(batch[0]!, JSON.stringify({ i: 0, tag: 'script' }), 60_000);
      await expectStoredAsDramatiq(batch, 'script');
    } finally {
      await backend.close();
    }
  });

  it('fall back to a MULTI when Redis refuses scripts, and store all the same', async () => {
    await admin.acl('SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-@scripting');
    const backend = new RedisResultBackend({ url: `redis://${user}:${password}@127.0.0.1:6379` });
    try {
      const first = await storeBatch(backend, 'refused');
      await expectStoredAsDramatiq(first, 'refused');
      const second = await storeBatch(backend, 'refused');
      await expectStoredAsDramatiq(second, 'refused');
      // The script was tried once and refused (NOPERM), then not again.
      const log = (await admin.acl('LOG')) as unknown[][];
      const refusals = log.filter(
        (entry) => JSON.stringify(entry).includes(user) && /eval/i.test(JSON.stringify(entry)),
      );
      expect(refusals.length).toBeGreaterThanOrEqual(1);
      expect(refusals.map((entry) => JSON.stringify(entry).match(/"count",(\d+)/)?.[1])).toEqual(['1']);
    } finally {
      await backend.close();
    }
  });
});
