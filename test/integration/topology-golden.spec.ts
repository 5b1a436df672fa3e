/**
 * Declares our topologies on the real RabbitMQ (127.0.0.1:5672, guest/guest)
 * and compares what the server reports with Dramatiq 2.2.0's own declarations
 * captured in test/fixtures/dramatiq-golden.json.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  DefaultDramatiqTopology,
  DLXRoutingTopology,
  isInequivalentArgError,
  plainArguments,
  type QueueDeclaration,
} from '../../lib/core/topology/index.js';
import { readFixture } from '../support/fixtures.js';

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const execFileAsync = promisify(execFile);

/** One queue as `rabbitmqctl list_queues ... --formatter json` reports it. */
interface ListedQueue {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  /** [name, AMQP type, value] triples, e.g. ["x-max-priority", "signedint", 10] */
  arguments: [string, string, unknown][];
}

const golden = readFixture<{
  queue_declarations_default: ListedQueue[];
  queue_declarations_max_priority_10: ListedQueue[];
}>('dramatiq-golden.json');

async function listQueues(): Promise<Map<string, ListedQueue>> {
  const { stdout } = await execFileAsync(
    'rabbitmqctl',
    ['list_queues', '-q', 'name', 'durable', 'auto_delete', 'exclusive', 'arguments', '--formatter', 'json'],
    { timeout: 60_000 },
  );
  // Defensive: skip any banner line before the JSON array.
  const rows = JSON.parse(stdout.slice(stdout.indexOf('['))) as ListedQueue[];
  return new Map(rows.map((row) => [row.name, row]));
}

/** Golden rows with Dramatiq's queue name replaced by ours, arguments sorted by name. */
function expectedFrom(rows: ListedQueue[], goldenBase: string, base: string): ListedQueue[] {
  const rename = (s: string) => (s.startsWith(goldenBase) ? base + s.slice(goldenBase.length) : s);
  return rows.map((row) =>
    normalize({
      ...row,
      name: rename(row.name),
      arguments: row.arguments.map(([k, t, v]) => [k, t, typeof v === 'string' ? rename(v) : v]),
    }),
  );
}

function normalize(row: ListedQueue): ListedQueue {
  return { ...row, arguments: [...row.arguments].sort((a, b) => a[0].localeCompare(b[0])) };
}

const unique = `topo_golden_${process.pid}_${randomBytes(4).toString('hex')}`;
const created = new Set<string>();
let connection: ChannelModel;

async function withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
  const ch = await connection.createChannel();
  // A server-side channel close is also emitted as 'error'; without a listener it would crash the process.
  ch.on('error', () => undefined);
  try {
    return await fn(ch);
  } finally {
    await ch.close().catch(() => undefined);
  }
}

async function declareAll(decls: QueueDeclaration[]): Promise<void> {
  await withChannel(async (ch) => {
    for (const d of decls) {
      created.add(d.name);
      await ch.assertQueue(d.name, d.options);
    }
  });
}

/** Runs one assertQueue and returns the rejection plus the channel's 'error' event. */
async function declareExpectingError(decl: QueueDeclaration): Promise<{ rejection: unknown; event: unknown }> {
  const ch = await connection.createChannel();
  let event: unknown;
  const closed = new Promise<void>((resolve) => ch.once('close', () => resolve()));
  ch.on('error', (err) => {
    event = err;
  });
  created.add(decl.name);
  const rejection = await ch.assertQueue(decl.name, decl.options).then(
    () => undefined,
    (err: unknown) => err,
  );
  await closed;
  return { rejection, event };
}

beforeAll(async () => {
  connection = await amqplib.connect(AMQP_URL);
  connection.on('error', () => undefined);
});

afterAll(async () => {
  if (!connection) return;
  await withChannel(async (ch) => {
    for (const name of created) await ch.deleteQueue(name);
  });
  await connection.close();
});

describe('topology on the real RabbitMQ vs Dramatiq 2.2.0', () => {
  const defaultBase = `${unique}_d`;
  const prioBase = `${unique}_p`;
  const quorumBase = `${unique}_q`;

  beforeAll(async () => {
    await declareAll(new DLXRoutingTopology().declarationsFor(defaultBase));
    await declareAll(new DLXRoutingTopology({ maxPriority: 10 }).declarationsFor(prioBase));
    await declareAll(new DLXRoutingTopology({ queueType: 'quorum', maxDelayTime: 60_000 }).declarationsFor(quorumBase));
  });

  let listed: Map<string, ListedQueue>;
  beforeAll(async () => {
    listed = await listQueues();
  });

  const actual = (names: string[]) =>
    names.map((name) => {
      const row = listed.get(name);
      if (!row) throw new Error(`queue ${name} not listed by rabbitmqctl`);
      return normalize(row);
    });

  it('DLXRoutingTopology matches queue_declarations_default (names, flags, argument types and values)', () => {
    const expected = expectedFrom(golden.queue_declarations_default, 'golden', defaultBase);
    expect(expected).toHaveLength(3);
    expect(actual(expected.map((r) => r.name))).toEqual(expected);
  });

  it('DLXRoutingTopology({maxPriority: 10}) matches queue_declarations_max_priority_10', () => {
    const expected = expectedFrom(golden.queue_declarations_max_priority_10, 'golden_prio', prioBase);
    expect(expected).toHaveLength(3);
    expect(actual(expected.map((r) => r.name))).toEqual(expected);
  });

  it('quorum declarations are accepted, with the TTL and DLX arguments', () => {
    const [xq, q, dq] = actual([`${quorumBase}.XQ`, quorumBase, `${quorumBase}.DQ`]);
    for (const row of [xq, q, dq]) expect(row!.arguments).toContainEqual(['x-queue-type', 'longstr', 'quorum']);
    expect(dq!.arguments).toContainEqual(['x-message-ttl', 'signedint', 60_000]);
    expect(dq!.arguments).toContainEqual(['x-dead-letter-routing-key', 'longstr', `${quorumBase}.XQ`]);
  });

  it('redeclaring with the same values as bare numbers is equivalent (Dramatiq queues stay usable)', async () => {
    await withChannel(async (ch) => {
      for (const d of new DLXRoutingTopology({ maxPriority: 10 }).declarationsFor(prioBase)) {
        await ch.assertQueue(d.name, { ...d.options, arguments: plainArguments(d.options.arguments) });
      }
    });
  });

  it('a different x-max-priority is a 406 that isInequivalentArgError recognizes', async () => {
    const decl = new DLXRoutingTopology({ maxPriority: 5 }).canonicalQueue(prioBase);
    const { rejection, event } = await declareExpectingError(decl);
    expect(rejection).toBeInstanceOf(Error);
    expect(rejection).toMatchObject({ code: 406, classId: 50, methodId: 10 });
    expect((rejection as Error).message).toBe(
      `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue '${prioBase}' in vhost '/': received '5' but current is '10'"`,
    );
    expect(isInequivalentArgError(rejection)).toBe(true);
    expect((event as Error).message).toMatch(/^Channel closed by server: 406 \(PRECONDITION-FAILED\)/);
    expect(isInequivalentArgError(event)).toBe(true);
  });

  it("switching layout (DefaultDramatiqTopology over Dramatiq's q.DQ) is also an inequivalent arg", async () => {
    const decl = new DefaultDramatiqTopology().delayQueue(defaultBase);
    const { rejection } = await declareExpectingError(decl);
    expect((rejection as Error).message).toContain("inequivalent arg 'x-dead-letter-routing-key'");
    expect(isInequivalentArgError(rejection)).toBe(true);
  });

  it('other 406s (x-max-priority on a quorum queue) are not mistaken for it', async () => {
    const decl: QueueDeclaration = {
      name: `${unique}_bad_quorum`,
      options: {
        durable: true,
        autoDelete: false,
        exclusive: false,
        arguments: { 'x-queue-type': 'quorum', 'x-max-priority': 5 },
      },
    };
    const { rejection } = await declareExpectingError(decl);
    created.delete(decl.name); // never created
    expect(rejection).toMatchObject({ code: 406 });
    expect((rejection as Error).message).toContain("invalid arg 'x-max-priority'");
    expect(isInequivalentArgError(rejection)).toBe(false);
  });
});
