import { describe, expect, it } from '@jest/globals';
import {
  createMessage,
  decodeMessage,
  encodeMessage,
  MessageDecodeError,
  messageProperties,
  type DramatiqMessage,
} from '../../../lib/core/message/index.js';
import { readFixture } from '../../support/fixtures.js';

interface GoldenCase {
  python: string;
  wire: { queue: string; body_utf8: string; properties: Record<string, unknown> };
}
const golden = readFixture<{ cases: Record<string, GoldenCase> }>('dramatiq-golden.json');
const UNDECODABLE = 'undecodable_body_dead_lettered';
const cases = Object.entries(golden.cases);
const decodableCases = cases.filter(([name]) => name !== UNDECODABLE);

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function decodeError(body: Buffer | Uint8Array | string, maxBytes?: number): MessageDecodeError {
  try {
    decodeMessage(typeof body === 'string' ? utf8(body) : body, maxBytes === undefined ? {} : { maxBytes });
  } catch (err) {
    expect(err).toBeInstanceOf(MessageDecodeError);
    return err as MessageDecodeError;
  }
  throw new Error('expected decodeMessage to throw');
}

const valid = {
  queue_name: 'q',
  actor_name: 'a',
  args: [],
  kwargs: {},
  options: {},
  message_id: 'id',
  message_timestamp: 1,
};
const bodyWith = (changes: Record<string, unknown>, drop: string[] = []): string => {
  const obj: Record<string, unknown> = { ...valid, ...changes };
  for (const key of drop) delete obj[key];
  return JSON.stringify(obj);
};

describe('golden.json captures', () => {
  it('loads every case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(9);
    expect(golden.cases[UNDECODABLE]).toBeDefined();
  });

  it.each(decodableCases)('%s: decodes and re-encodes byte for byte', (_name, c) => {
    const body = utf8(c.wire.body_utf8);
    const msg = decodeMessage(body);
    expect(msg.queue_name).toBe(c.wire.queue.endsWith('.XQ') ? c.wire.queue.slice(0, -3) : c.wire.queue);
    expect(encodeMessage(msg).equals(body)).toBe(true);
  });

  it.each(decodableCases)('%s: createMessage with the same fields encodes to the golden body', (_name, c) => {
    const d = decodeMessage(utf8(c.wire.body_utf8));
    const built = createMessage({
      queueName: d.queue_name,
      actorName: d.actor_name,
      args: d.args,
      kwargs: d.kwargs,
      options: d.options,
      messageId: d.message_id,
      timestamp: d.message_timestamp,
    });
    expect(encodeMessage(built).toString('latin1')).toBe(c.wire.body_utf8);
  });

  it.each(decodableCases)('%s: publish properties match Dramatiq', (_name, c) => {
    const props = messageProperties(decodeMessage(utf8(c.wire.body_utf8)));
    const expected: Record<string, unknown> = { persistent: true };
    if (c.wire.properties.priority !== undefined) expected.priority = c.wire.properties.priority;
    expect(props).toEqual(expected);
    expect(c.wire.properties.delivery_mode).toBe(2);
  });

  it('broker_priority_5 gives priority 5, the others only persistent', () => {
    const prio = decodeMessage(utf8(golden.cases.broker_priority_5!.wire.body_utf8));
    expect(messageProperties(prio)).toEqual({ persistent: true, priority: 5 });
    const plain = decodeMessage(utf8(golden.cases.plain_send!.wire.body_utf8));
    expect(messageProperties(plain)).toEqual({ persistent: true });
  });

  it('the undecodable golden body fails with MessageDecodeError', () => {
    const err = decodeError(golden.cases[UNDECODABLE]!.wire.body_utf8);
    expect(err.name).toBe('MessageDecodeError');
    expect(err.message).toMatch(/^Undecodable message: body is not valid JSON/);
    expect(err.reason).toContain('"this is not json"');
  });
});

describe('encodeMessage', () => {
  const base = createMessage({ queueName: 'q', actorName: 'a', messageId: 'm', timestamp: 7 });
  const encodeArgs = (args: unknown[]): string => encodeMessage({ ...base, args }).toString('latin1');

  it('uses compact JSON in Dramatiq key order whatever the input order', () => {
    const shuffled = {
      message_timestamp: 7,
      options: { eta: 5 },
      message_id: 'm',
      kwargs: { k: 1 },
      args: [1],
      actor_name: 'a',
      queue_name: 'q',
    } as DramatiqMessage;
    expect(encodeMessage(shuffled).toString()).toBe(
      '{"queue_name":"q","actor_name":"a","args":[1],"kwargs":{"k":1},"options":{"eta":5},"message_id":"m","message_timestamp":7}',
    );
  });

  it('escapes astral characters as a surrogate pair, like Python', () => {
    expect(encodeArgs(['😀'])).toContain('"args":["\\ud83d\\ude00"]');
  });

  it('escapes BMP non-ASCII with lowercase hex', () => {
    expect(encodeArgs(['é✓\u2028\uffff'])).toContain('["\\u00e9\\u2713\\u2028\\uffff"]');
  });

  it('escapes DEL (0x7f) as Python json.dumps(ensure_ascii=True) does', () => {
    // Verified against CPython 3.11: json.dumps("\x7f") == '"\\u007f"'.
    expect(encodeArgs(['a\x7fb'])).toContain('["a\\u007fb"]');
  });

  it('escapes control characters and quotes as JSON does', () => {
    expect(encodeArgs(['\n\t\r\b\f\x00\x1f"\\/'])).toContain('["\\n\\t\\r\\b\\f\\u0000\\u001f\\"\\\\/"]');
  });

  it('escapes lone surrogates', () => {
    expect(encodeArgs(['\ud800x\udfff'])).toContain('["\\ud800x\\udfff"]');
  });

  it('produces only ASCII bytes that decode back to the same message', () => {
    const msg = { ...base, args: ['日本語', '😀', { ü: ['\x7f'] }], kwargs: { ключ: 'значение' } };
    const body = encodeMessage(msg);
    expect([...body].every((b) => b < 0x80)).toBe(true);
    expect(decodeMessage(body)).toEqual(msg);
  });

  it('writes integral floats like integers (JS has no float type)', () => {
    expect(encodeArgs([1.0, 1.5])).toContain('[1,1.5]');
  });
});

describe('decodeMessage rejects', () => {
  it('invalid UTF-8', () => {
    const err = decodeError(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(err.reason).toMatch(/not valid UTF-8/);
  });

  it('a UTF-8 BOM, as Python json.loads does', () => {
    expect(decodeError(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(bodyWith({}))])).reason).toMatch(
      /not valid JSON/,
    );
  });

  it.each([
    ['an array', '[1,2]', /not a JSON object but array/],
    ['null', 'null', /not a JSON object but null/],
    ['a string', '"x"', /not a JSON object but string/],
    ['a number', '42', /not a JSON object but number/],
    ['empty body', '', /not valid JSON/],
  ])('a body that is %s', (_what, body, reason) => {
    expect(decodeError(body).reason).toMatch(reason);
  });

  it.each(['queue_name', 'actor_name', 'args', 'kwargs', 'options', 'message_id', 'message_timestamp'])(
    'a missing %s',
    (key) => {
      expect(decodeError(bodyWith({}, [key])).reason).toBe(`missing key "${key}"`);
    },
  );

  it('an extra key, naming it', () => {
    expect(decodeError(bodyWith({ extra: 1 })).reason).toBe('unexpected key "extra"');
    expect(decodeError('{"__proto__":{},' + bodyWith({}).slice(1)).reason).toBe('unexpected key "__proto__"');
  });

  it.each([
    ['queue_name', 1, /"queue_name" must be a string, got number/],
    ['actor_name', null, /"actor_name" must be a string, got null/],
    ['args', {}, /"args" must be an array, got object/],
    ['kwargs', [], /"kwargs" must be an object, got array/],
    ['kwargs', null, /"kwargs" must be an object, got null/],
    ['options', 'x', /"options" must be an object, got string/],
    ['message_id', 5, /"message_id" must be a string, got number/],
    ['message_timestamp', 1.5, /"message_timestamp" must be an integer, got non-integer number 1.5/],
    ['message_timestamp', '1', /"message_timestamp" must be an integer, got string/],
  ])('a wrong type for %s (%p)', (key, value, reason) => {
    expect(decodeError(bodyWith({ [key]: value })).reason).toMatch(reason);
  });

  it('nesting deeper than 64 levels, without overflowing the stack', () => {
    // Top-level object is level 1, args level 2: 62 more arrays make 64 levels.
    const ok = bodyWith({}).replace('"args":[]', `"args":[${'['.repeat(62)}${']'.repeat(62)}]`);
    expect(() => decodeMessage(utf8(ok))).not.toThrow();
    const deep = bodyWith({}).replace('"args":[]', `"args":[${'['.repeat(63)}${']'.repeat(63)}]`);
    expect(decodeError(deep).reason).toBe('body nests deeper than 64 levels');
    const huge = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(decodeError(huge).reason).toBe('body nests deeper than 64 levels');
  });

  it('does not count brackets inside strings (including escaped quotes)', () => {
    const body = bodyWith({ args: ['[[[['.repeat(100), 'a\\"[[[[', '\\\\'], kwargs: { '{{{{': '}}}}' } });
    expect(() => decodeMessage(utf8(body))).not.toThrow();
  });

  it('a body larger than maxBytes (default 16 MiB)', () => {
    const body = bodyWith({ args: ['x'.repeat(100)] });
    expect(decodeError(body, 50).reason).toMatch(/more than the 50-byte limit/);
    const big = Buffer.alloc(16 * 1024 * 1024 + 1, 0x20);
    expect(decodeError(big).reason).toBe(`body is ${big.length} bytes, more than the 16777216-byte limit`);
  });

  it('never puts more than ~80 characters of the body in the error', () => {
    const body = 'not json ' + 'y'.repeat(10_000);
    const err = decodeError(body);
    expect(err.message.length).toBeLessThan(160);
    expect(err.reason).toContain('...');
  });
});

describe('decodeMessage accepts', () => {
  it('a Uint8Array view with an offset', () => {
    const bytes = utf8('xx' + bodyWith({}));
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.length - 2);
    expect(decodeMessage(view).queue_name).toBe('q');
  });

  it('keys in another order, returning them in wire order', () => {
    const msg = decodeMessage(
      utf8(
        '{"message_timestamp":1,"options":{},"message_id":"id","kwargs":{},"args":[],"actor_name":"a","queue_name":"q"}',
      ),
    );
    expect(Object.keys(msg)).toEqual(Object.keys(valid));
  });

  it('unknown options, which survive a round trip', () => {
    const body = bodyWith({ options: { custom_x: { a: [1] }, eta: 5 } });
    expect(encodeMessage(decodeMessage(utf8(body))).toString()).toBe(body);
  });
});

describe('messageProperties', () => {
  const msg = createMessage({ queueName: 'q', actorName: 'a' });
  it('sets priority only for a numeric broker_priority', () => {
    expect(messageProperties({ ...msg, options: { broker_priority: 0 } })).toEqual({ persistent: true, priority: 0 });
    expect(messageProperties({ ...msg, options: { broker_priority: '5' } as never })).toEqual({ persistent: true });
  });
  it('rejects a priority AMQP cannot carry', () => {
    expect(() => messageProperties({ ...msg, options: { broker_priority: 256 } })).toThrow(RangeError);
    expect(() => messageProperties({ ...msg, options: { broker_priority: 1.5 } })).toThrow(/0 to 255/);
  });
});
