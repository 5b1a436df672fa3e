// Raw amqplib: the practical limit. One connection, a ConfirmChannel for publishing and a
// plain channel for consuming (prefetch as ours), ack per message, JSON decode.
import amqplib from 'amqplib';
import { AMQP_URL, makePayload } from '../common.mjs';

export function info({ variantOptions = {} }) {
  return {
    system: 'raw amqplib',
    note:
      (variantOptions.mode === 'window'
        ? 'ConfirmChannel, per-message confirm callbacks, sliding window'
        : 'ConfirmChannel, waitForConfirms every 1000') +
      (variantOptions.mandatory ? '; mandatory flag on every publish (as ours)' : ''),
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
        onMessage(JSON.parse(msg.content.toString()));
        sub.ack(msg);
      },
      { noAck: false },
    );
  }
  // Diagnostic variant raw@mandatory=true: what the mandatory flag alone costs the broker.
  const props = {
    persistent: true,
    contentType: 'application/json',
    ...(variantOptions.mandatory ? { mandatory: true } : {}),
  };
  // Returns a promise only when the socket buffer is full (back-pressure).
  const write = (payload, cb) =>
    pub.publish('', queue, Buffer.from(JSON.stringify(payload)), props, cb)
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
