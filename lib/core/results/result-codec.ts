/**
 * What Dramatiq's Results middleware stores: the actor's return value as compact, ASCII-only
 * JSON (json.dumps with separators=(",", ":")), or for a failure the document
 * {"__t":"dramatiq.results.Result","exn":{"type":...,"msg":...}} in that key order.
 *
 * JS has one number type: an integral number is written as an integer (3, where Python
 * writes 3.0 for a float), and every number Python writes reads back as a JS number.
 */
import { escapeNonAscii } from '../json/ascii-json.js';
import { ResultDecodeError, ResultNotSerializableError, ResultTooLargeError } from './results.errors.js';

/** Marks a stored failure (Dramatiq's canary). */
export const FAILURE_MARKER = 'dramatiq.results.Result';

export type StoredResult = { kind: 'value'; value: unknown } | { kind: 'failure'; type: string; message: string };

/** Why `value` (at `key`) has no faithful JSON form, or undefined when it has one. */
function unserializable(key: string, value: unknown): string | undefined {
  const where = key === '' ? 'the value' : `the value at key ${JSON.stringify(key)}`;
  switch (typeof value) {
    case 'bigint':
      return `${where} is a BigInt (JSON has no integer type beyond 2^53; return it as a string)`;
    case 'function':
      return `${where} is a function`;
    case 'symbol':
      return `${where} is a symbol`;
    case 'number':
      return Number.isFinite(value) ? undefined : `${where} is ${value} (JSON has no such number)`;
    case 'object':
      // JSON.stringify would write {} for these and lose every entry silently.
      if (value instanceof Map || value instanceof Set) {
        return `${where} is a ${value.constructor.name} (convert it with Object.fromEntries or Array.from)`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The stored form of a successful result. `undefined` (an actor that returns nothing) is
 * stored as null, as Python stores None. Throws ResultNotSerializableError for values JSON
 * would drop or change, ResultTooLargeError beyond `maxBytes`.
 */
export function encodeResult(value: unknown, actorName: string, maxBytes = Infinity): string {
  // The common small answers (a count, an id, a flag) skip the checking walk: a replacer
  // function takes JSON.stringify off its fast path.
  if (typeof value === 'string' || typeof value === 'boolean' || value === null || value === undefined) {
    return checkedSize(escapeNonAscii(JSON.stringify(value ?? null)), actorName, maxBytes);
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return checkedSize(JSON.stringify(value), actorName, maxBytes);
  }
  let json: string | undefined;
  let problem: string | undefined;
  try {
    json = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      // Only the first problem is reported; the walk stops there.
      problem ??= unserializable(key, v);
      if (problem !== undefined) throw new ResultNotSerializableError(actorName, problem);
      return v;
    });
  } catch (err) {
    if (err instanceof ResultNotSerializableError) throw err;
    const detail =
      err instanceof RangeError
        ? 'it nests too deeply'
        : /circular/i.test(String(err))
          ? 'it contains a cycle'
          : String(err);
    throw new ResultNotSerializableError(actorName, detail);
  }
  return checkedSize(escapeNonAscii(json ?? 'null'), actorName, maxBytes);
}

/** `text` is pure ASCII (escaped): its length in chars is its length in bytes. */
function checkedSize(text: string, actorName: string, maxBytes: number): string {
  if (text.length > maxBytes) throw new ResultTooLargeError(actorName, text.length, maxBytes);
  return text;
}

/** The stored form of a failure, byte for byte as Dramatiq writes it. */
export function encodeFailure(type: string, message: string): string {
  return escapeNonAscii(JSON.stringify({ __t: FAILURE_MARKER, exn: { type, msg: message } }));
}

/** Reads a stored document: a value, or the failure it records. */
export function decodeResult(text: string, messageId: string): StoredResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ResultDecodeError(messageId, (err as Error).message);
  }
  if (typeof parsed === 'object' && parsed !== null && (parsed as { __t?: unknown }).__t === FAILURE_MARKER) {
    const exn = ((parsed as { exn?: unknown }).exn ?? {}) as { type?: unknown; msg?: unknown };
    return { kind: 'failure', type: String(exn.type ?? 'Exception'), message: String(exn.msg ?? '') };
  }
  return { kind: 'value', value: parsed };
}

/** The error type and text stored for a failed message: the actor's error, else the failure reason. */
export function describeFailure(error: unknown, failure: string | undefined): { type: string; message: string } {
  if (error instanceof Error) return { type: error.name, message: error.message };
  if (error !== undefined) return { type: 'Exception', message: String(error) };
  return { type: 'Failure', message: failure ?? 'unknown' };
}
