import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { decodeMessage } from '../../../lib/core/message/message-codec.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface CountedSocket {
  _write: (...args: unknown[]) => unknown;
  _writev?: (...args: unknown[]) => unknown;
}

/** Counts the socket-level writes (each is one syscall in practice) under our producer connection. */
async function countSocketWrites(broker: DramatiqBroker): Promise<{ calls: number }> {
  const lease = await broker.acquire('producer');
  // The amqplib connection under the lease (internal: ManagedConnection.rawConnection).
  const raw = (lease.connection as unknown as { rawConnection: { connection: { stream: CountedSocket } } })
    .rawConnection;
  const socket = raw.connection.stream;
  lease.release();
  const counter = { calls: 0 };
  const write = socket._write;
  const writev = socket._writev;
  socket._write = function (...args: unknown[]) {
    counter.calls += 1;
    return write.apply(this, args);
  };
  if (writev) {
    socket._writev = function (...args: unknown[]) {
      counter.calls += 1;
      return writev.apply(this, args);
    };
  }
  return counter;
}

async function publishBurst(coalesceWrites: boolean, count: number) {
  const broker = new DramatiqBroker({ strategy: 'shared', logger: new CapturingLogger(), coalesceWrites });
  const queue = uniqueName('coalesce');
  cleanups.push(async () => {
    await broker.deleteQueue(queue).catch(() => undefined);
    await broker.close();
  });
  await broker.declareQueue(queue);
  await broker.send('noop', { queueName: queue, args: [-1] }); // channel open, return listener in place
  const writes = await countSocketWrites(broker);
  await Promise.all(Array.from({ length: count }, (_, i) => broker.send('noop', { queueName: queue, args: [i] })));
  return { broker, queue, writes: writes.calls };
}

describe('coalesced socket writes (coalesceWrites)', () => {
  it('a burst of publishes reaches the socket in far fewer writes, every message intact and in order', async () => {
    const count = 500;
    const { queue, writes } = await publishBurst(true, count);
    // 500 frames of ~200 bytes fit in a handful of 16 KB socket buffers.
    expect(writes).toBeLessThan(count / 5);

    const conn = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
    cleanups.push(() => conn.close());
    const ch = await conn.createChannel();
    const seen: number[] = [];
    await ch.consume(queue, (m) => m && seen.push(decodeMessage(m.content).args[0] as number), { noAck: true });
    await waitFor(() => seen.length === count + 1, { timeoutMs: 10_000 });
    expect(seen).toEqual([-1, ...Array.from({ length: count }, (_, i) => i)]);
  });

  it('off: one socket write per frame, as amqplib does on its own', async () => {
    const count = 200;
    const { writes } = await publishBurst(false, count);
    expect(writes).toBeGreaterThanOrEqual(count);
  });
});
