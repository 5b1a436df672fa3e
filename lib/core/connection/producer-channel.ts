import type { ConfirmChannel, Message } from 'amqplib';
import { ManagedChannel } from './managed-channel.js';
import { encodePublishFrames, type PublishProperties } from './publish-frames.js';

/** How one publish ended, as far as the channel can tell. */
export type PublishOutcome =
  /** RabbitMQ confirmed it (stored in every queue it was routed to). */
  | 'confirmed'
  /** Mandatory and unroutable: no queue took it (the queue was deleted, say). RabbitMQ confirms it anyway. */
  | 'returned'
  /** RabbitMQ refused it (basic.nack: a queue limit with reject-publish, say). */
  | 'nacked'
  /** The server closed the channel over it (403 access refused, say): the error is its reason. */
  | 'refused'
  /** The channel or connection went away before the confirm: the message may or may not be stored. */
  | 'interrupted';

/** Told the outcome of a publish, once (an object with a method: no closure per publish). */
export interface PublishListener {
  published(outcome: PublishOutcome, error: Error | undefined): void;
}

export type { PublishProperties } from './publish-frames.js';

/** amqplib's lower-level channel methods that its own publish() ends in (amqplib 2.x). */
interface FrameWriter {
  sendMessage(fields: object, properties: object, content: Buffer): boolean;
  pushConfirmCallback(callback: ((err: Error | null) => void) | false): void;
}

/**
 * Where amqplib's sendMessage puts the frames it encodes (amqplib 2.x): the channel's number and
 * the connection's write stream for it, and the flag its heartbeat checks for outgoing traffic.
 */
interface ChannelInternals {
  readonly ch: number;
  readonly connection: {
    readonly channels: ({ channel: unknown; buffer: { write(frames: Buffer): boolean } } | null | undefined)[];
    sentSinceLastCheck: boolean;
    readonly frameMax: number;
  };
}

type RawProducer = ConfirmChannel & FrameWriter & ChannelInternals;

/** True when `raw` has the internals ChannelInternals describes; otherwise every publish goes through sendMessage. */
function hasChannelInternals(raw: Partial<ChannelInternals>): boolean {
  const connection = raw.connection;
  return (
    typeof raw.ch === 'number' &&
    typeof connection?.frameMax === 'number' &&
    typeof connection.sentSinceLastCheck === 'boolean' &&
    Array.isArray(connection.channels) &&
    typeof connection.channels[raw.ch]?.buffer?.write === 'function'
  );
}

/**
 * Fields and properties of basic.publish in one object, as amqplib's own publish builds them,
 * but without the `headers` table amqplib always adds (empty when none is given): Dramatiq
 * writes only delivery_mode and, when set, priority (and our delay queue's expiration).
 */
function newFrame() {
  return {
    exchange: '',
    routingKey: '',
    mandatory: true,
    immediate: false,
    ticket: undefined,
    contentType: undefined,
    contentEncoding: undefined,
    headers: undefined,
    deliveryMode: 2 as number | undefined,
    priority: undefined as number | undefined,
    correlationId: undefined,
    replyTo: undefined,
    expiration: undefined as string | undefined,
    messageId: undefined,
    timestamp: undefined,
    type: undefined,
    userId: undefined,
    appId: undefined,
    clusterId: undefined,
  };
}

/**
 * A channel that publishes: it owns the write to the amqplib channel (exact properties, always
 * mandatory), the wait for the confirm, the mandatory returns and the server's close reasons,
 * and reports each publish's outcome once. It never retries or waits: that is the publisher's
 * decision.
 */
export class ProducerChannel extends ManagedChannel {
  /** Bodies RabbitMQ returned whose confirm has not arrived yet (RabbitMQ sends the return first). */
  private returned: Buffer[] = [];
  /**
   * The fields amqplib's sendMessage encodes when it writes a publish (a body beyond one frame,
   * or an amqplib without the internals below): encoded synchronously, so one object serves all.
   */
  private readonly frame = newFrame();
  /** The current amqplib channel has the internals to write our own encoding of the frames to. */
  private writesFrames = false;

  /**
   * Writes the message and reports its outcome to `listener`, exactly once. Returns false,
   * without writing or calling the listener, when the channel is not open (see whenOpen).
   */
  publish(routingKey: string, body: Buffer, properties: PublishProperties, listener: PublishListener): boolean {
    if (!this.isOpen) return false;
    const raw = this.raw as RawProducer;
    if (!this.write(raw, routingKey, body, properties)) return false;
    // The same order as amqplib's ConfirmChannel.publish: write, then queue the confirm callback.
    raw.pushConfirmCallback((err) => this.settle(body, err, listener));
    return true;
  }

  /**
   * Puts the frames on the open channel's write stream, where amqplib's own sendMessage would, or
   * through sendMessage when they do not fit one frame. A false return of the stream's write only
   * means its buffer is past its mark: the publisher bounds what is in flight.
   */
  private write(raw: RawProducer, routingKey: string, body: Buffer, properties: PublishProperties): boolean {
    if (this.writesFrames) {
      const { connection, ch } = raw;
      const stream = connection.channels[ch];
      if (stream?.channel !== raw) return false;
      const frames = encodePublishFrames(ch, routingKey, properties, body, connection.frameMax);
      if (frames !== undefined) {
        stream.buffer.write(frames);
        connection.sentSinceLastCheck = true;
        return true;
      }
    }
    const frame = this.frame;
    frame.routingKey = routingKey;
    frame.deliveryMode = properties.persistent ? 2 : 1;
    frame.priority = properties.priority;
    frame.expiration = properties.expiration;
    try {
      raw.sendMessage(frame, frame, body);
      return true;
    } catch {
      return false; // the channel closed between the check and the write (amqplib then refuses writes)
    }
  }

  protected override attach(raw: ConfirmChannel): void {
    super.attach(raw);
    this.returned = [];
    this.writesFrames = hasChannelInternals(raw as unknown as Partial<ChannelInternals>);
    raw.on('return', (msg: Message) => this.returned.push(msg.content));
  }

  private settle(body: Buffer, err: Error | null, listener: PublishListener): void {
    if (err == null) {
      listener.published(this.returned.length !== 0 && this.takeReturned(body) ? 'returned' : 'confirmed', undefined);
    } else if (err.message === 'message nacked') {
      listener.published('nacked', err);
    } else {
      const reason = this.serverCloseReason;
      listener.published(reason ? 'refused' : 'interrupted', reason ?? err);
    }
  }

  /** A return carries the body back, not a delivery tag: the confirm that follows it is the one whose body it is. */
  private takeReturned(body: Buffer): boolean {
    const at = this.returned.findIndex((r) => r.length === body.length && r.equals(body));
    if (at < 0) return false;
    this.returned.splice(at, 1);
    return true;
  }
}
