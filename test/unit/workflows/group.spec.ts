/**
 * Groups: members' options with a completion callback compared with what Dramatiq 2.2.0 published
 * (wire.group_with_callback in test/fixtures/dramatiq-results-golden.json), byte for byte apart
 * from the run's uuid; the barrier created; results in order; typing.
 */
import { describe, expect, it } from '@jest/globals';
import { decodeMessage, encodeMessage } from '../../../lib/core/message/message-codec.js';
import { createMessage, type DramatiqMessage } from '../../../lib/core/message/message.js';
import { GroupCallbacks } from '../../../lib/core/middleware/group-callbacks.js';
import { MemoryRateLimiterBackend } from '../../../lib/core/rate-limits/backends/memory-rate-limiter-backend.js';
import type { TypedMessage } from '../../../lib/core/results/get-result.js';
import { ResultFailureError, ResultTimeoutError } from '../../../lib/core/results/results.errors.js';
import { encodeFailure } from '../../../lib/core/results/result-codec.js';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { Group } from '../../../lib/core/workflows/group.js';
import { Pipeline } from '../../../lib/core/workflows/pipeline.js';
import { GroupCallbacksNotConfiguredError } from '../../../lib/core/workflows/workflows.errors.js';
import { readFixture } from '../../support/fixtures.js';
import { FakeBroker } from './fake-broker.js';

interface Variant {
  wire: {
    group_with_callback: {
      bodies_utf8: string[];
      redis_keys_after_run: Record<string, { type: string; value: string }>;
    };
  };
}
const golden = readFixture<{ results: Record<string, Variant> }>('dramatiq-results-golden.json');

function asBuilt(message: DramatiqMessage, options = {}): DramatiqMessage {
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

function step<R>(actorName: string, args: unknown[] = []): TypedMessage<R> {
  return createMessage({ queueName: 'q', actorName, args });
}

function withCallbacks() {
  const barriers = new MemoryRateLimiterBackend();
  const broker = new FakeBroker([new GroupCallbacks(barriers)]);
  return { broker, barriers };
}

describe.each(Object.entries(golden.results))('with a completion callback, as Dramatiq (%s)', (_name, variant) => {
  it('every member carries group_completion_uuid and group_completion_callbacks, byte for byte', async () => {
    const { bodies_utf8: bodies, redis_keys_after_run: keys } = variant.wire.group_with_callback;
    const captured = bodies.map((body) => decodeMessage(Buffer.from(body)));
    const capturedUuid = captured[0].options.group_completion_uuid as string;
    const callback = (captured[0].options.group_completion_callbacks as DramatiqMessage[])[0];

    const { broker, barriers } = withCallbacks();
    const group = new Group(
      broker,
      captured.map((m) => asBuilt(m)),
    );
    group.addCompletionCallback(asBuilt(callback));
    await group.run();

    const uuid = group.completionUuid!;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const sent = broker.sent.map((s) => encodeMessage(s.message).toString('utf8').replaceAll(uuid, capturedUuid));
    expect(sent).toEqual(bodies);
    // The barrier, as Python left it after run: a counter holding the group's size.
    expect(Object.values(keys)).toEqual([{ type: 'string', value: String(bodies.length), pttl_ms_positive: true }]);
    expect(barriers.peek(uuid)).toBe(bodies.length);
  });
});

describe('run', () => {
  it('a new uuid and barrier on every run; pipelines are marked on their last step', async () => {
    const { broker, barriers } = withCallbacks();
    const pipeline = new Pipeline(broker, [step('a'), step('b')]);
    const group = new Group(broker, [pipeline, step('c')]).addCompletionCallback(step('done'));
    await group.run({ delay: 100 });
    const first = group.completionUuid;
    await group.run();
    expect(group.completionUuid).not.toBe(first);
    expect(barriers.peek(first!)).toBe(2);

    const [viaPipeline, plain] = broker.sent.slice(0, 2).map((s) => s.message);
    expect(viaPipeline.actor_name).toBe('a');
    expect(viaPipeline.options.group_completion_uuid).toBeUndefined();
    expect(viaPipeline.options.pipe_target?.options).toEqual({
      group_completion_uuid: first,
      group_completion_callbacks: [expect.objectContaining({ actor_name: 'done' })],
    });
    expect(plain.options.group_completion_uuid).toBe(first);
    expect(broker.sent.slice(0, 2).map((s) => s.delay)).toEqual([100, 100]);
    // The group's own members are left as built.
    expect(pipeline.lastMessage.options).toEqual({});
  });

  it('without callbacks the members go as built, and no barrier is made', async () => {
    const broker = new FakeBroker();
    const a = step('a');
    await new Group(broker, [a]).run();
    expect(broker.sent[0].message).toEqual(a);
  });

  it('callbacks without GroupCallbacks fail before anything is sent', async () => {
    const broker = new FakeBroker();
    const group = new Group(broker, [step('a')]).addCompletionCallback(step('done'));
    await expect(group.run()).rejects.toBeInstanceOf(GroupCallbacksNotConfiguredError);
    expect(broker.sent).toEqual([]);
  });

  it('refuses members that are not messages or pipelines', () => {
    expect(() => new Group(new FakeBroker(), [new Group(new FakeBroker(), []) as never])).toThrow(TypeError);
  });
});

describe('results', () => {
  it('getResults in member order (a pipeline counts with its last step), wait, failures', async () => {
    const broker = new FakeBroker();
    const a = step<number>('a');
    const b1 = step<number>('b1');
    const b2 = step<string>('b2');
    const group = new Group<[number, string]>(broker, [a, new Pipeline(broker, [b1, b2])]);
    const waiting = group.getResults({ block: true, timeout: 5_000 });
    await broker.complete(b2, 'two');
    await broker.complete(a, 1);
    expect(await waiting).toEqual([1, 'two']);
    await group.wait({ timeout: 100 });

    const failed = step('f');
    await broker.results.store(broker.results.keyFor(failed), encodeFailure('ValueError', 'no'), 60_000);
    await expect(new Group(broker, [a, failed]).wait()).rejects.toBeInstanceOf(ResultFailureError);
    await expect(new Group(broker, [step('never')]).wait({ timeout: 50 })).rejects.toBeInstanceOf(ResultTimeoutError);
  });
});

// Compile-time checks only: result types flow from the messages to pipelines and groups.
export async function typing(broker: DramatiqBroker): Promise<void> {
  const p = broker.pipeline([broker.message<number>('a'), broker.message<{ s: string }>('b')]);
  const last: { s: string } = await p.getResult();
  const g = broker.group([broker.message<number>('a'), p]);
  const [n, o]: [number, { s: string }] = await g.getResults({ block: true });
  // @ts-expect-error: the first result is a number
  const wrong: string = (await g.getResults())[0];
  void [last, n, o, wrong];
}
