/**
 * Keys and stored documents compared with what Dramatiq 2.2.0 wrote to Redis
 * (test/fixtures/dramatiq-results-golden.json), byte for byte.
 */
import { describe, expect, it } from '@jest/globals';
import { decodeResult, encodeFailure, encodeResult } from '../../../lib/core/results/result-codec.js';
import { resultKey, resultKeySource } from '../../../lib/core/results/result-key.js';
import { ResultNotSerializableError, ResultTooLargeError } from '../../../lib/core/results/results.errors.js';
import { readFixture } from '../../support/fixtures.js';

interface CapturedResult {
  message: { queue_name: string; actor_name: string; message_id: string };
  key: string;
  key_source?: string;
  md5_of_source?: string;
  stored: string[];
}
interface CapturedVariant {
  use_namespace_prefix_keys: boolean;
  namespace: string;
  results: Record<string, CapturedResult>;
}
const golden = readFixture<{ results: Record<'md5_keys' | 'prefixed_keys', CapturedVariant> }>(
  'dramatiq-results-golden.json',
);

/** The JS value of each captured Python value (the actor g_value's returns). */
const JS_VALUES: Record<string, unknown> = {
  int: 42,
  big: 9007199254740991,
  float: 2.5,
  str: 'héllo ✓ 😀',
  dict: { b: 1, a: [1, null, true] },
  list: [1, 'two', 3.0],
  none: null,
  bool: false,
};

const variants = Object.entries(golden.results) as Array<[string, CapturedVariant]>;
const allCases = variants.flatMap(([variant, v]) =>
  Object.entries(v.results).map(([name, c]) => [`${variant}/${name}`, v, name, c] as const),
);

describe('result keys, as Dramatiq names them', () => {
  it('the capture covers md5 and prefixed keys, and 9 results each', () => {
    expect(golden.results.md5_keys.use_namespace_prefix_keys).toBe(false);
    expect(golden.results.prefixed_keys.use_namespace_prefix_keys).toBe(true);
    for (const [, v] of variants)
      expect(Object.keys(v.results).sort()).toEqual([...Object.keys(JS_VALUES), 'failure'].sort());
  });

  it.each(allCases)('%s: same key and key source', (_label, v, _name, c) => {
    const options = { namespace: v.namespace, prefixedKeys: v.use_namespace_prefix_keys };
    expect(resultKey(c.message, options)).toBe(c.key);
    if (c.key_source !== undefined) expect(resultKeySource(c.message, v.namespace)).toBe(c.key_source);
    if (c.md5_of_source !== undefined) expect(resultKey(c.message, { namespace: v.namespace })).toBe(c.md5_of_source);
  });

  it('ignores the .DQ / .XQ suffix of the queue, and the default namespace is dramatiq-results', () => {
    const c = golden.results.md5_keys.results.int;
    expect(resultKey({ ...c.message, queue_name: `${c.message.queue_name}.DQ` })).toBe(c.key);
    expect(resultKey({ ...c.message, queue_name: `${c.message.queue_name}.XQ` })).toBe(c.key);
    expect(resultKey({ ...c.message, actor_name: 'other' })).not.toBe(c.key);
  });
});

describe('stored documents', () => {
  const valueCases = allCases.filter(([, , name]) => name !== 'failure' && name !== 'list');

  it.each(valueCases)('%s: our encoding is the stored bytes', (_label, _v, name, c) => {
    expect(c.stored).toHaveLength(1);
    expect(encodeResult(JS_VALUES[name], 'g_value')).toBe(c.stored[0]);
  });

  it('a float with no fraction: Python stored 3.0, we write 3 (JS has one number type), and read 3.0 as 3', () => {
    const c = golden.results.md5_keys.results.list;
    expect(c.stored).toEqual(['[1,"two",3.0]']);
    expect(encodeResult(JS_VALUES.list, 'g_value')).toBe('[1,"two",3]');
    expect(decodeResult(c.stored[0], 'm')).toEqual({ kind: 'value', value: [1, 'two', 3] });
  });

  it.each(allCases.filter(([, , name]) => name !== 'failure'))('%s: decodes to the JS value', (_l, _v, name, c) => {
    expect(decodeResult(c.stored[0], 'm')).toEqual({ kind: 'value', value: JS_VALUES[name] });
  });

  it.each(allCases.filter(([, , name]) => name === 'failure'))(
    '%s: same failure document, read back as a failure',
    (_l, _v, _n, c) => {
      expect(encodeFailure('ValueError', 'bad value 7')).toBe(c.stored[0]);
      expect(decodeResult(c.stored[0], 'm')).toEqual({ kind: 'failure', type: 'ValueError', message: 'bad value 7' });
    },
  );

  it('escapes as ensure_ascii does: DEL, lone surrogates, astral chars, non-ASCII keys and failure texts', () => {
    expect(encodeResult('\u007f\u0000"\\', 'a')).toBe('"\\u007f\\u0000\\"\\\\"');
    expect(encodeResult('\ud800', 'a')).toBe('"\\ud800"');
    expect(encodeResult({ clé: '😀' }, 'a')).toBe('{"cl\\u00e9":"\\ud83d\\ude00"}');
    expect(encodeFailure('Ärger', 'naïve')).toBe(
      '{"__t":"dramatiq.results.Result","exn":{"type":"\\u00c4rger","msg":"na\\u00efve"}}',
    );
  });

  it('stores undefined (an actor that returns nothing) as null, as Python stores None', () => {
    expect(encodeResult(undefined, 'a')).toBe('null');
  });
});

describe('values JSON cannot carry are refused, not changed', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  let deep: unknown = 1;
  for (let i = 0; i < 20_000; i++) deep = [deep];
  it.each([
    ['a BigInt', 10n, /BigInt/],
    ['a nested BigInt', { n: [1, 2n] }, /BigInt/],
    ['a cycle', cyclic, /cycle/],
    ['a function', { f: () => 1 }, /at key "f" is a function/],
    ['a symbol', [Symbol('s')], /symbol/],
    ['NaN', NaN, /NaN/],
    ['Infinity', { x: -Infinity }, /-Infinity/],
    ['a Map', new Map([[1, 2]]), /Map/],
    ['a Set', { s: new Set([1]) }, /Set/],
    ['too deep a nesting', deep, /nests too deeply/],
  ])('%s', (_name, value, detail) => {
    const thrown = (() => {
      try {
        encodeResult(value, 'my_actor');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(ResultNotSerializableError);
    expect((thrown as ResultNotSerializableError).code).toBe('RESULT_NOT_SERIALIZABLE');
    expect((thrown as Error).message).toMatch(detail);
    expect((thrown as Error).message).toContain('my_actor');
  });

  it('refuses a result larger than maxResultBytes, counting escaped bytes', () => {
    expect(encodeResult('x'.repeat(8), 'a', 10)).toBe('"xxxxxxxx"');
    expect(() => encodeResult('x'.repeat(9), 'a', 10)).toThrow(ResultTooLargeError);
    // 'é' is 6 bytes once escaped (\u00e9): 2 + 6 > 7.
    expect(() => encodeResult('é', 'a', 7)).toThrow(/8 bytes as JSON, more than results.maxResultBytes \(7\)/);
  });

  it('writes the small answers (numbers, strings, flags, nothing) exactly as the general path does', () => {
    for (const v of [0, -0, 42, -1.5, 1e21, 2 ** 53, 'ok', '', true, false, null, undefined]) {
      expect(encodeResult(v, 'a')).toBe(encodeResult([v], 'a').slice(1, -1));
    }
    expect(encodeResult(undefined, 'a')).toBe('null');
    expect(() => encodeResult(42, 'a', 1)).toThrow(ResultTooLargeError);
  });

  it('keeps Dates and objects with toJSON as JSON.stringify does', () => {
    expect(encodeResult({ at: new Date(0) }, 'a')).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});
