// Raw amqplib: the practical limit. One connection, a ConfirmChannel for publishing and a
// plain channel for consuming (prefetch as ours), ack per message, JSON decode.
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { AMQP_URL, makePayload } from '../common.mjs';

export function info({ variantOptions = {} }) {
  return {
    system: 'raw amqplib',
    note:
      (variantOptions.mode === 'window'
        ? 'ConfirmChannel, per-message confirm callbacks, sliding window'
        : 'ConfirmChannel, waitForConfirms every 1000') +
      (variantOptions.mandatory ? '; mandatory flag on every publish (as ours)' : '') +
      (variantOptions.dramatiq
        ? "; ours' broker work: Dramatiq envelope with a fresh uuid, persistent, mandatory, only delivery_mode set"
        : ''),
  };
}

export async function create({ queue, prefetch, consume, onMessage, variantOptions = {} }) {
  // Diagnostic variant raw@mode=window: per-message confirm callbacks with the generic sliding
  // window (as the other systems are driven) instead of waitForConfirms batches.
  const batched = variantOptions.mode !== 'window';
  const conn = await amqplib.connect(AMQP_URL, { noDelay: true });
  conn.on('error', () => undefined);
  const pub = await conn.createConfirmChannel();
  await pub.assertQueue(queue, { durable: true });
  if (consume) {
    const sub = await conn.createChannel();
    await sub.prefetch(prefetch);
    await sub.consume(
      queue,
      (msg) => {
        if (!msg) return;
        onMessage(decode(JSON.parse(msg.content.toString())));
        sub.ack(msg);
      },
      { noAck: false },
    );
  }
  // Diagnostic variant raw@mandatory=true: what the mandatory flag alone costs the broker.
  // raw@dramatiq=true: the same broker work as ours (envelope, fresh uuid, persistent, mandatory).
  const props = variantOptions.dramatiq
    ? { persistent: true, mandatory: true }
    : {
        persistent: true,
        contentType: 'application/json',
        ...(variantOptions.mandatory ? { mandatory: true } : {}),
      };
  const encode = variantOptions.dramatiq
    ? (payload) =>
        Buffer.from(
          JSON.stringify({
            queue_name: queue,
            actor_name: 'bench_noop',
            args: [payload],
            kwargs: {},
            options: {},
            message_id: randomUUID(),
            message_timestamp: Date.now(),
          }),
        )
    : (payload) => Buffer.from(JSON.stringify(payload));
  const decode = variantOptions.dramatiq ? (m) => m.args[0] : (m) => m;
  // Returns a promise only when the socket buffer is full (back-pressure).
  const write = (payload, cb) =>
    pub.publish('', queue, encode(payload), props, cb)
      ? undefined
      : new Promise((resolve) => pub.once('drain', resolve));

  /** The natural batching of raw amqplib: publish `batch` messages, then waitForConfirms. */
  async function publishMany(count, _window, offset = 0, batch = 1000) {
    for (let done = 0; done < count;) {
      const n = Math.min(batch, count - done);
      for (let k = 0; k < n; k++) {
        const full = write(makePayload(offset + done + k));
        if (full) await full;
      }
      await pub.waitForConfirms();
      done += n;
    }
  }

  const serverProperties = conn.connection?.serverProperties ?? {};
  return {
    serverVersion: serverProperties.version ? String(serverProperties.version) : undefined,
    /** One message, resolved on its own confirm (latency workload, and the window variant). */
    send(payload) {
      return new Promise((resolve, reject) => {
        write(payload, (err) => (err ? reject(err) : resolve()));
      });
    },
    publishMany: batched ? publishMany : undefined,
    async close() {
      await conn.close().catch(() => undefined);
    },
    async cleanup() {
      const c = await amqplib.connect(AMQP_URL);
      const ch = await c.createChannel();
      await ch.deleteQueue(queue).catch(() => undefined);
      await c.close();
    },
  };
}
