/**
 * The operator's command line against a real RabbitMQ (issue #15, item 4): the same dead-letter
 * API, clear messages and exit codes (0 done, 1 failed, 2 usage), never the password.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli } from '../../../lib/cli/run-cli.js';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { encodeMessage } from '../../../lib/core/message/message-codec.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';

const url = 'amqp://guest:guest@127.0.0.1:5672';
const broker = new DramatiqBroker({ strategy: 'shared', logger: new CapturingLogger() });
const queue = uniqueName('cli');
const messages = [1, 2, 3].map((i) =>
  createMessage({
    queueName: queue,
    actorName: 'job',
    args: [i, '\u001b[31mred'],
    options: {
      retries: 2,
      dead_letter: {
        reason: 'retries_exceeded',
        error_type: 'Error',
        error_message: 'boom',
        at: 0,
        attempts: 3,
        worker: 'w',
        queue,
        detail: '',
      },
    },
  }),
);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    [...argv, '--url', url],
    {},
    { out: (l) => void out.push(l), err: (l) => void err.push(l) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  await broker.declareQueue(queue);
  const lease = await broker.acquire('producer');
  for (const m of messages) await lease.channel.sendToQueue(`${queue}.XQ`, encodeMessage(m), { persistent: true });
  lease.release();
});

afterAll(async () => {
  await broker.deleteQueue(queue).catch(() => undefined);
  await broker.close();
});

describe('nestjs-dramatiq-broker CLI', () => {
  it('queues: counts and consumers; an unknown queue is an error, not created', async () => {
    const r = await cli('queues', '--queue', queue);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`${queue}\t0\t0\t3\t0`);
    const missing = await cli('queues', '--queue', `${queue}-typo`);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`Queue "${queue}-typo" does not exist`);
    expect((await cli('dead-letters', 'list', '--queue', `${queue}-typo`)).code).toBe(1);
  });

  it('list, show, requeue, purge', async () => {
    const list = await cli('dead-letters', 'list', '--queue', queue, '--limit', '2');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${queue}.XQ: 3 dead letter(s); showing 0-1.`);
    expect(list.out).toContain(`#0 ${messages[0].message_id} job [1,"\\u001b[31mred"]`);
    expect(list.out).toContain('retries_exceeded Error: boom (attempts 3');
    expect(list.out).toContain('More: --offset 2');
    expect(list.out).not.toContain('\u001b');

    const json = await cli('dead-letters', 'list', '--queue', queue, '--json');
    expect(JSON.parse(json.out).items).toHaveLength(3);

    const show = await cli('dead-letters', 'show', '--queue', queue, '--id', messages[1].message_id);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.out)).toMatchObject({ messageId: messages[1].message_id, position: 1 });
    const notThere = await cli('dead-letters', 'show', '--queue', queue, '--id', 'nope');
    expect(notThere).toMatchObject({ code: 1, err: `Failed: no dead letter with message id "nope" in ${queue}.XQ` });

    const requeue = await cli(
      'dead-letters',
      'requeue',
      '--queue',
      queue,
      '--id',
      messages[0].message_id,
      '--id',
      'nope',
      '--reset-retries',
    );
    expect(requeue.code).toBe(1);
    expect(requeue.out).toBe(`Requeued 1 message(s) to ${queue} with their retries reset.`);
    expect(requeue.err).toBe(`Failed: not found in ${queue}.XQ: nope`);
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 1, delayed: 0, dead: 2 });

    const exported = await cli('dead-letters', 'export', '--queue', queue);
    expect(exported.out.split('\n').map((l) => JSON.parse(l).messageId)).toEqual([
      messages[1].message_id,
      messages[2].message_id,
    ]);

    expect(await cli('dead-letters', 'purge', '--queue', queue, '--yes')).toMatchObject({
      code: 0,
      out: `Purged 2 dead letter(s) from ${queue}.XQ.`,
    });
  });

  it('an unreachable broker: exit 1, a clear message, no password', async () => {
    const err: string[] = [];
    const code = await runCli(
      ['queues', '--queue', 'q', '--url', 'amqp://ops:Sup3r-s3cret@127.0.0.1:1'],
      {},
      { out: () => undefined, err: (l) => void err.push(l) },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/refused the connection/);
    expect(err.join('\n')).not.toContain('Sup3r-s3cret');
  }, 30_000);
});
