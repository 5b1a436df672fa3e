// Child process of crash-safety.spec.ts, run from a transpiled copy of lib/ (buildBundle). It
// dies with SIGKILL at its first basic.ack: the moment between "RabbitMQ confirmed the copy" and
// "the original is acked". MODE=worker dead-letters one message; MODE=requeue requeues all.
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The very module instance the library uses (CommonJS caches by file name).
const { Channel } = require(path.join(path.dirname(require.resolve('amqplib')), 'lib', 'channel_model.js'));
const die = () => {
  process.stdout.write('ACK REACHED: dying now\n', () => process.kill(process.pid, 'SIGKILL'));
  return new Promise(() => undefined);
};
Channel.prototype.ack = die;
Channel.prototype.ackAll = die;

const { DramatiqBroker } = await import('./lib/core/index.js');
const { QUEUE, MODE } = process.env;
const broker = new DramatiqBroker({
  strategy: 'shared',
  url: 'amqp://guest:guest@127.0.0.1:5672',
  connectionName: `crash-${MODE}`,
});
if (MODE === 'worker') {
  broker.registerActor(
    'doomed',
    () => {
      throw new Error('always');
    },
    { queueName: QUEUE, maxRetries: 0 },
  );
  await broker.createWorker({ concurrency: 1 }).start();
  process.stdout.write('WORKER STARTED\n');
} else {
  await broker.deadLetters.requeue(QUEUE, { all: true });
  process.stdout.write('REQUEUE RETURNED (must not happen)\n');
  process.exit(3);
}
setTimeout(() => process.exit(4), 30_000).unref();
