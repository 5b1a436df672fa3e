import type { FetchedMessage } from '../connection/operator-channel.js';
import { decodeMessage } from '../message/message-codec.js';
import type { DramatiqMessage } from '../message/message.js';
import { DEAD_LETTER_HEADER, DEAD_LETTER_OPTION, type DeadLetterRecord, parseRecord } from './dead-letter-reason.js';

/** Characters of an undecodable body, and of the args preview, kept in an entry. */
const RAW_BODY_CHARS = 1_000;
const ARGS_PREVIEW_CHARS = 200;

/** RabbitMQ's own note of a dead-lettering (the first x-death entry), for messages without a record. */
export interface DeathNote {
  reason: string;
  queue: string;
  count: number;
  /** Seconds since the epoch, as RabbitMQ writes it. */
  time: number | null;
}

/** One message of q.XQ as the dead-letter API shows it. Message contents are untrusted: render as text. */
export interface DeadLetter {
  /** Its place in q.XQ when it was read (0: the head). */
  position: number;
  messageId: string | null;
  actorName: string | null;
  /** The decoded Dramatiq message (the record left in its options), or null when the body is not one. */
  message: DramatiqMessage | null;
  /** Args and kwargs as JSON, cut to 200 characters. */
  argsPreview: string;
  /** The body as UTF-8 text, cut to 1000 characters, when it could not be decoded. */
  rawBody: string | null;
  /** Why it was dead-lettered, as the worker wrote it; null for messages dead-lettered without one. */
  reason: DeadLetterRecord | null;
  /** RabbitMQ's x-death note (messages nacked by Python Dramatiq, or when the record could not be written). */
  death: DeathNote | null;
  retries: number;
  sizeBytes: number;
}

export function toDeadLetter(
  delivery: Pick<FetchedMessage, 'content' | 'properties'>,
  position: number,
  maxBytes: number,
): DeadLetter {
  let message: DramatiqMessage | null;
  try {
    message = decodeMessage(delivery.content, { maxBytes });
  } catch {
    message = null;
  }
  const headers = (delivery.properties.headers ?? {}) as Record<string, unknown>;
  const reason = parseRecord(message?.options[DEAD_LETTER_OPTION]) ?? parseRecord(headers[DEAD_LETTER_HEADER]) ?? null;
  const messageId =
    message?.message_id ?? (delivery.properties.messageId ? String(delivery.properties.messageId) : null);
  return {
    position,
    messageId,
    actorName: message?.actor_name ?? null,
    message,
    argsPreview: message ? preview(message) : '',
    rawBody: message ? null : cut(delivery.content.toString('utf8'), RAW_BODY_CHARS),
    reason,
    death: deathNote(headers['x-death']),
    retries: Number(message?.options.retries ?? 0) || 0,
    sizeBytes: delivery.content.length,
  };
}

function preview(message: DramatiqMessage): string {
  let text: string;
  try {
    const kwargs = Object.keys(message.kwargs).length > 0 ? `, ${JSON.stringify(message.kwargs)}` : '';
    text = `${JSON.stringify(message.args)}${kwargs}`;
  } catch {
    text = '[unprintable]';
  }
  return cut(text, ARGS_PREVIEW_CHARS);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function deathNote(value: unknown): DeathNote | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const first = value[0] as Record<string, unknown>;
  const time = first.time as unknown;
  return {
    reason: String(first.reason ?? ''),
    queue: String(first.queue ?? ''),
    count: Number(first.count ?? 1),
    time:
      typeof time === 'number'
        ? time
        : typeof (time as { value?: unknown })?.value === 'number'
          ? (time as { value: number }).value
          : null,
  };
}
