/**
 * Nothing is lost if the process dies between two steps (issue #15): a child process is killed
 * (SIGKILL) at the exact moment it is about to ack, that is after RabbitMQ confirmed the copy it
 * published. Dead-lettering: the copy with its reason is in q.XQ and the original is back in q
 * (delivered again later: a duplicate at worst). Requeue: the message is in q and still in
 * q.XQ. Had either step been done the other way round (ack first), the message would be gone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { encodeMessage } from '../../../lib/core/message/message-codec.js';
import { type Bundle, buildBundle } from '../../reliability/support/agent-client.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

let bundle: Bundle;
const broker = new DramatiqBroker({ strategy: 'shared', logger: new CapturingLogger() });
const queues: string[] = [];

beforeAll(async () => {
  bundle = await buildBundle();
  await fs.copyFile(new URL('./crash-child.mjs', import.meta.url), path.join(bundle.dir, 'crash-child.mjs'));
}, 120_000);

afterAll(async () => {
  for (const q of queues) await broker.deleteQueue(q).catch(() => undefined);
  await broker.close();
  await bundle?.dispose();
});

function runChild(mode: 'worker' | 'requeue', queue: string) {
  const child = spawn(process.execPath, [path.join(bundle.dir, 'crash-child.mjs')], {
    cwd: bundle.dir,
    env: { ...process.env, NODE_OPTIONS: '', QUEUE: queue, MODE: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise<{ signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, output });
    }),
  );
}

describe('crash between the confirmed publish and the ack', () => {
  it('dead-lettering: the copy with its reason is in q.XQ and the original back in q', async () => {
    const queue = uniqueName('crash-dl');
    queues.push(queue);
    await broker.declareQueue(queue);
    const sent = await broker.send('doomed', { queueName: queue });
    const { signal, output } = await runChild('worker', queue);
    expect(output).toContain('ACK REACHED');
    expect(signal).toBe('SIGKILL');
    // The dead connection's unacked delivery goes back to q.
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).ready === 1, { timeoutMs: 10_000 });
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 1, delayed: 0, dead: 1 });
    const dead = await broker.deadLetters.get(queue, sent.message_id);
    expect(dead?.reason).toMatchObject({ reason: 'retries_exceeded', worker: 'crash-worker', error_message: 'always' });
  }, 120_000);

  it('requeue: the message is in q and still in q.XQ (a duplicate, never a loss)', async () => {
    const queue = uniqueName('crash-rq');
    queues.push(queue);
    await broker.declareQueue(queue);
    const lease = await broker.acquire('producer');
    const message = createMessage({ queueName: queue, actorName: 'job', args: [1] });
    await lease.channel.sendToQueue(`${queue}.XQ`, encodeMessage(message), { persistent: true });
    lease.release();
    const { signal, output } = await runChild('requeue', queue);
    expect(output).toContain('ACK REACHED');
    expect(signal).toBe('SIGKILL');
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 1, { timeoutMs: 10_000 });
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 1, delayed: 0, dead: 1 });
    expect((await broker.deadLetters.get(queue, message.message_id))?.messageId).toBe(message.message_id);
  }, 120_000);
});
