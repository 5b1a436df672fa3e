import type { ConfirmChannel, Options } from 'amqplib';

/**
 * amqplib's publish() always writes a `headers` table: its argument builder creates one (empty
 * when the caller gives none), so every message would carry `headers: {}`. Dramatiq (pika)
 * writes only the properties it sets: delivery_mode 2 and, when asked for, priority (and here,
 * the expiration of the default topology's delayed messages). To put the same properties on the
 * wire, the publishes of our channels skip that builder and hand amqplib's frame writer exactly
 * the properties given.
 */

/** amqplib's lower-level channel methods that its own publish() ends in. */
interface FrameWriter {
  sendMessage(fields: object, properties: object, content: Buffer): boolean;
  pushConfirmCallback(callback: ConfirmCallback | false): void;
}

type ConfirmCallback = Parameters<ConfirmChannel['publish']>[4];

/** Options that only amqplib's own builder knows how to encode: left to it. */
function needsAmqplibBuilder(options: Options.Publish): boolean {
  return options.headers !== undefined || options.CC !== undefined || options.BCC !== undefined;
}

/** As amqplib reads it: `persistent` first, then a numeric or truthy deliveryMode; else none (1). */
function deliveryMode(options: Options.Publish): number | undefined {
  if (options.persistent !== undefined) return options.persistent ? 2 : 1;
  if (typeof options.deliveryMode === 'number') return options.deliveryMode;
  return options.deliveryMode ? 2 : undefined;
}

/**
 * Makes `channel.publish` write exactly the given properties (no empty headers table). Applied to
 * every channel we open, so both our direct writes and amp-connection-manager's go through it.
 * Falls back to amqplib's own publish if its internals are not there (another amqplib version).
 */
export function publishExactProperties(channel: ConfirmChannel): void {
  const writer = channel as unknown as Partial<FrameWriter>;
  if (typeof writer.sendMessage !== 'function' || typeof writer.pushConfirmCallback !== 'function') return;
  const original = channel.publish.bind(channel);
  const sendMessage = writer.sendMessage.bind(channel);
  const pushConfirmCallback = writer.pushConfirmCallback.bind(channel);
  channel.publish = (
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish = {},
    callback?: ConfirmCallback,
  ): boolean => {
    if (needsAmqplibBuilder(options)) return original(exchange, routingKey, content, options, callback);
    const frame = {
      exchange,
      routingKey,
      mandatory: options.mandatory === true,
      immediate: false,
      ticket: undefined,
      contentType: options.contentType,
      contentEncoding: options.contentEncoding,
      headers: undefined,
      deliveryMode: deliveryMode(options),
      priority: options.priority,
      correlationId: options.correlationId,
      replyTo: options.replyTo,
      expiration: options.expiration === undefined ? undefined : String(options.expiration),
      messageId: options.messageId,
      timestamp: options.timestamp,
      type: options.type,
      userId: options.userId,
      appId: options.appId,
      clusterId: undefined,
    };
    // The same order as amqplib's ConfirmChannel.publish: write, then queue the confirm callback.
    const hasRoom = sendMessage(frame, frame, content);
    pushConfirmCallback(callback ?? false);
    return hasRoom;
  };
}
