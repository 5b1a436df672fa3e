/**
 * Byte-exact Dramatiq wire codec: the JSON body Dramatiq 2.x writes and reads,
 * and the AMQP properties it publishes with.
 *
 * Known differences from Python's json.dumps that no JS encoder can avoid:
 * - JS has no float/int distinction: Python writes 1.0 where we write 1, and
 *   Python's exponent forms differ (1e+16 vs 10000000000000000, 1.5e-07 vs 1.5e-7).
 * - Integers beyond 2^53 lose precision when parsed into a JS number.
 * - NaN/Infinity: Python writes bare NaN/Infinity (not JSON); JSON.stringify writes
 *   null, and such a body from Python fails decodeMessage.
 * - Integer-like object keys ("1", "42") are enumerated first by JS objects, so a
 *   nested dict with such keys is re-encoded in a different key order.
 */
import { BrokerError } from '../errors/broker-error.js';
import { isUtf8 } from 'node:buffer';
import { asciiJsonBytes } from '../json/ascii-json.js';
import type { DramatiqMessage } from './message.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const MAX_NESTING_DEPTH = 64;

const MESSAGE_KEYS = [
  'queue_name',
  'actor_name',
  'args',
  'kwargs',
  'options',
  'message_id',
  'message_timestamp',
] as const;
const MESSAGE_KEY_SET: ReadonlySet<string> = new Set(MESSAGE_KEYS);

/** Serializes to exactly the bytes Dramatiq produces (compact JSON, fixed key order, ASCII only). */
export function encodeMessage(msg: DramatiqMessage): Buffer {
  const json = JSON.stringify({
    queue_name: msg.queue_name,
    actor_name: msg.actor_name,
    args: msg.args,
    kwargs: msg.kwargs,
    options: msg.options,
    message_id: msg.message_id,
    message_timestamp: msg.message_timestamp,
  });
  return asciiJsonBytes(json);
}

export class MessageDecodeError extends BrokerError {
  /** Why the body was rejected (safe to log: holds at most a short escaped preview). */
  readonly reason: string;

  constructor(reason: string) {
    super('MESSAGE_UNDECODABLE', `Undecodable message: ${reason}`);
    this.reason = reason;
  }
}

export interface DecodeOptions {
  /** Bodies larger than this are rejected before parsing. Default 16 MiB. */
  maxBytes?: number;
}

const PREVIEW_CHARS = 80;

function preview(text: string): string {
  const head = text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text;
  return JSON.stringify(head) + (text.length > PREVIEW_CHARS ? '...' : '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return `non-integer number ${value}`;
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when brackets nest deeper than `limit`. Runs before JSON.parse so a
 * hostile body never gets materialized; strings are skipped with indexOf since
 * brackets inside them do not count.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Find the closing quote: one preceded by an even number of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q < 0) return false; // unterminated: JSON.parse will reject it
        let backslashes = 0;
        for (let j = q - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
        i = q;
        if ((backslashes & 1) === 0) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** Parses and strictly validates a Dramatiq message body. Throws MessageDecodeError. */
export function decodeMessage(body: Buffer | Uint8Array, options: DecodeOptions = {}): DramatiqMessage {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (body.byteLength > maxBytes) {
    throw new MessageDecodeError(`body is ${body.byteLength} bytes, more than the ${maxBytes}-byte limit`);
  }
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // isUtf8 + toString is much faster than a fatal TextDecoder and just as strict;
  // a leading BOM is kept and then fails JSON.parse, as it does in Python.
  if (!isUtf8(buf)) {
    throw new MessageDecodeError(
      `body is not valid UTF-8 (starts with ${preview(buf.toString('latin1', 0, PREVIEW_CHARS))})`,
    );
  }
  const text = buf.toString('utf8');

  if (nestsDeeperThan(text, MAX_NESTING_DEPTH)) {
    throw new MessageDecodeError(`body nests deeper than ${MAX_NESTING_DEPTH} levels`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The SyntaxError text quotes the body, so it is deliberately not passed on.
    throw new MessageDecodeError(`body is not valid JSON (starts with ${preview(text)})`);
  }
  if (!isPlainObject(parsed)) {
    throw new MessageDecodeError(`body is not a JSON object but ${describe(parsed)}`);
  }

  for (const key in parsed) {
    if (!MESSAGE_KEY_SET.has(key)) throw new MessageDecodeError(`unexpected key ${preview(key)}`);
  }
  for (const key of MESSAGE_KEYS) {
    if (!Object.hasOwn(parsed, key)) throw new MessageDecodeError(`missing key "${key}"`);
  }

  const { queue_name, actor_name, args, kwargs, options: msgOptions, message_id, message_timestamp } = parsed;
  if (typeof queue_name !== 'string') throw typeError('queue_name', 'a string', queue_name);
  if (typeof actor_name !== 'string') throw typeError('actor_name', 'a string', actor_name);
  if (!Array.isArray(args)) throw typeError('args', 'an array', args);
  if (!isPlainObject(kwargs)) throw typeError('kwargs', 'an object', kwargs);
  if (!isPlainObject(msgOptions)) throw typeError('options', 'an object', msgOptions);
  if (typeof message_id !== 'string') throw typeError('message_id', 'a string', message_id);
  if (!Number.isInteger(message_timestamp)) {
    throw typeError('message_timestamp', 'an integer', message_timestamp);
  }

  // Rebuilt in wire order so every decoded message has the same shape.
  return {
    queue_name,
    actor_name,
    args,
    kwargs,
    options: msgOptions,
    message_id,
    message_timestamp: message_timestamp as number,
  };
}

function typeError(key: string, expected: string, value: unknown): MessageDecodeError {
  return new MessageDecodeError(`"${key}" must be ${expected}, got ${describe(value)}`);
}

export interface MessagePublishProperties {
  /** delivery_mode 2 */
  persistent: true;
  priority?: number;
}

/** Shared by every message without a priority (most of them): one object less per send. */
const PERSISTENT: MessagePublishProperties = Object.freeze({ persistent: true });

/**
 * amqplib publish options matching Dramatiq: delivery_mode 2, plus priority
 * when options.broker_priority is set; Dramatiq sets no other property.
 */
export function messageProperties(msg: DramatiqMessage): MessagePublishProperties {
  const priority = msg.options.broker_priority;
  if (typeof priority !== 'number') return PERSISTENT;
  // AMQP priority is an octet; fail here rather than deep inside amqplib's encoder.
  if (!Number.isInteger(priority) || priority < 0 || priority > 255) {
    throw new RangeError(`options.broker_priority must be an integer from 0 to 255, got ${priority}`);
  }
  return { persistent: true, priority };
}
