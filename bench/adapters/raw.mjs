// Raw amqplib: the practical limit. One connection, a ConfirmChannel for publishing and a
// plain channel for consuming (prefetch as ours), ack per message, JSON decode.
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { AMQP_URL, makePayload } from '../common.mjs';
import { installTracingSdk } from '../otel-sdk.mjs';

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
        : '') +
      (variantOptions.tracing === 'sdk'
        ? '; OpenTelemetry by hand: a producer and a consumer span per message, W3C context in the headers'
        : ''),
  };
}

export async function create({ queue, prefetch, consume, onMessage, variantOptions = {} }) {
  // Diagnostic variant raw@mode=window: per-message confirm callbacks with the generic sliding
  // window (as the other systems are driven) instead of waitForConfirms batches.
  const batched = variantOptions.mode !== 'window';
  if (variantOptions.tracing !== undefined && variantOptions.tracing !== 'sdk')
    throw new Error(`tracing variant must be sdk; got ${variantOptions.tracing}`);
  // raw@tracing=sdk: the least any instrumentation does per message with a real SDK (the cost
  // floor for ours@observability=tracing): a PRODUCER span per publish ended at its confirm, the
  // context injected into the headers; a CONSUMER span per delivery, child of the extracted
  // context, the handler run inside it.
  const tracing = variantOptions.tracing === 'sdk' ? tracingHooks(await installTracingSdk(), queue) : undefined;
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
        if (tracing) tracing.process(msg, () => onMessage(decode(JSON.parse(msg.content.toString()))));
        else onMessage(decode(JSON.parse(msg.content.toString())));
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
  const publish = tracing
    ? (payload, cb) =>
        tracing.send((headers, ended) =>
          pub.publish('', queue, encode(payload), { ...props, headers }, (err) => {
            ended(err);
            cb?.(err);
          }),
        )
    : (payload, cb) => pub.publish('', queue, encode(payload), props, cb);
  const write = (payload, cb) =>
    publish(payload, cb) ? undefined : new Promise((resolve) => pub.once('drain', resolve));

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

/** raw@tracing=sdk: spans as OpenTelemetry's messaging conventions describe them, nothing more. */
function tracingHooks(api, queue) {
  const { context, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode } = api;
  const tracer = trace.getTracer('bench-raw');
  const attributes = (operation) => ({
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': operation,
    'messaging.destination.name': '',
    'messaging.rabbitmq.destination.routing_key': queue,
  });
  return {
    /** publish(headers, ended) writes with `headers` and calls ended(err) at the confirm. */
    send(publish) {
      const parent = context.active();
      const span = tracer.startSpan(
        `send ${queue}`,
        { kind: SpanKind.PRODUCER, attributes: attributes('send') },
        parent,
      );
      const headers = {};
      propagation.inject(trace.setSpan(parent, span), headers);
      return publish(headers, (err) => {
        if (err) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
    },
    process(msg, handle) {
      const parent = propagation.extract(ROOT_CONTEXT, msg.properties.headers ?? {});
      const span = tracer.startSpan(
        `process ${queue}`,
        { kind: SpanKind.CONSUMER, attributes: attributes('process') },
        parent,
      );
      try {
        context.with(trace.setSpan(parent, span), handle);
      } finally {
        span.end();
      }
    },
  };
}
