/**
 * Pipelines' wire form compared with what Dramatiq 2.2.0 published (test/fixtures/
 * dramatiq-results-golden.json: wire.pipeline, pipeline), byte for byte; run, results, typing.
 */
import { describe, expect, it } from '@jest/globals';
import { encodeMessage, decodeMessage } from '../../../lib/core/message/message-codec.js';
import { createMessage, type DramatiqMessage } from '../../../lib/core/message/message.js';
import { ResultMissingError, ResultTimeoutError } from '../../../lib/core/results/results.errors.js';
import type { TypedMessage } from '../../../lib/core/results/get-result.js';
import { Pipeline } from '../../../lib/core/workflows/pipeline.js';
import { readFixture } from '../../support/fixtures.js';
import { FakeBroker } from './fake-broker.js';

interface Variant {
  wire: { pipeline: { bodies_utf8: string[] } };
  pipeline: { messages: DramatiqMessage[] };
}
const golden = readFixture<{ results: Record<string, Variant> }>('dramatiq-results-golden.json');
const variants = Object.entries(golden.results);

/** The step as the Python sender built it: the same ids and timestamps, no pipe_target. */
function stepOf(message: DramatiqMessage): DramatiqMessage {
  const { pipe_target: _target, ...options } = message.options;
  return createMessage({
    queueName: message.queue_name,
    actorName: message.actor_name,
    args: message.args,
    kwargs: message.kwargs,
    options,
    messageId: message.message_id,
    timestamp: message.message_timestamp,
  });
}

function step<R>(actorName: string, args: unknown[], options = {}): TypedMessage<R> {
  return createMessage({ queueName: 'q', actorName, args, options });
}

describe.each(variants)('the wire form matches Dramatiq (%s)', (_name, variant) => {
  it('the first message published carries the next step in pipe_target, byte for byte', () => {
    const [body] = variant.wire.pipeline.bodies_utf8;
    const first = decodeMessage(Buffer.from(body));
    const second = first.options.pipe_target as DramatiqMessage;
    const pipeline = new Pipeline(new FakeBroker(), [stepOf(first), stepOf(second)]);
    expect(encodeMessage(pipeline.messages[0]).toString('utf8')).toBe(body);
  });

  it('pipeline.messages equals the captured pipeline.messages', () => {
    const captured = variant.pipeline.messages;
    const pipeline = new Pipeline(new FakeBroker(), captured.map(stepOf));
    expect(pipeline.messages.map((m) => encodeMessage(m).toString('utf8'))).toEqual(
      captured.map((m) => encodeMessage(m).toString('utf8')),
    );
  });
});

describe('building', () => {
  it('nests the whole rest of the chain: three steps give pipe_target inside pipe_target', () => {
    const [a, b, c] = [step('a', [1]), step('b', [2]), step('c', [3])];
    const { messages } = new Pipeline(new FakeBroker(), [a, b, c]);
    expect(messages[0].options.pipe_target).toEqual({ ...b, options: { pipe_target: c } });
    expect(messages[1].options.pipe_target).toEqual(c);
    expect(messages[2].options).toEqual({});
    expect(messages.map((m) => m.message_id)).toEqual([a.message_id, b.message_id, c.message_id]);
  });

  it("keeps a step's pipe_ignore inside the chain, and leaves the caller's messages unchanged", () => {
    const a = step('a', [1]);
    const b = step('b', [], { pipe_ignore: true });
    const pipeline = new Pipeline(new FakeBroker(), [a, b]);
    expect(pipeline.messages[0].options.pipe_target?.options).toEqual({ pipe_ignore: true });
    expect(a.options).toEqual({});
  });

  it('flattens a pipeline given as a step, and pipe() makes a new pipeline', () => {
    const broker = new FakeBroker();
    const ab = new Pipeline(broker, [step('a', []), step('b', [])]);
    const abc = ab.pipe(step('c', []));
    expect(abc.steps.map((s) => s.actor_name)).toEqual(['a', 'b', 'c']);
    expect(ab.length).toBe(2);
    expect(new Pipeline(broker, [ab, abc]).steps.map((s) => s.actor_name)).toEqual(['a', 'b', 'a', 'b', 'c']);
    expect(() => new Pipeline(broker, [])).toThrow(RangeError);
  });
});

describe('run and results', () => {
  it("run sends only the first message, with the larger of its delay option and run's delay", async () => {
    const broker = new FakeBroker();
    const pipeline = new Pipeline(broker, [step('a', [], { delay: 500 }), step('b', [])]);
    expect(await pipeline.run()).toBe(pipeline);
    await pipeline.run({ delay: 2_000 });
    expect(broker.sent.map((s) => [s.message.actor_name, s.delay])).toEqual([
      ['a', 500],
      ['a', 2_000],
    ]);
    expect(broker.sent[0].message.options.pipe_target?.actor_name).toBe('b');
  });

  it("getResult is the last step's result, typed; getResults every step's in order", async () => {
    const broker = new FakeBroker();
    const a = step<number>('a', [1]);
    const b = step<{ total: number }>('b', []);
    const pipeline = new Pipeline<{ total: number }>(broker, [a, b]);
    await expect(pipeline.getResult()).rejects.toBeInstanceOf(ResultMissingError);
    const waiting = pipeline.getResult({ block: true, timeout: 5_000 });
    await broker.complete(a, 3);
    await broker.complete(b, { total: 3 });
    const { total } = await waiting;
    expect(total).toBe(3);
    expect(await pipeline.getResults()).toEqual([3, { total: 3 }]);
  });

  it('getResults shares one timeout among the steps', async () => {
    const broker = new FakeBroker();
    const pipeline = new Pipeline(broker, [step('a', []), step('b', [])]);
    const started = Date.now();
    await expect(pipeline.getResults({ block: true, timeout: 200 })).rejects.toBeInstanceOf(ResultTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
