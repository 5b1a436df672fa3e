import { describe, expect, it } from '@jest/globals';
import { ActorDefinition } from '../../../lib/core/actor/actor-definition.js';
import { createMessage, type DramatiqMessage, type MessageOptions } from '../../../lib/core/message/message.js';
import { Callbacks } from '../../../lib/core/middleware/callbacks.js';
import { MessageContext, type MiddlewareHost } from '../../../lib/core/middleware/middleware.js';
import { Pipelines } from '../../../lib/core/middleware/pipelines.js';
import { Retries } from '../../../lib/core/middleware/retries.js';

function host() {
  const sent: DramatiqMessage[] = [];
  const h: MiddlewareHost = {
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    defaultQueueName: 'default',
    getActor: (name) => (name === 'known' ? new ActorDefinition('known', 'elsewhere', {}, () => undefined) : undefined),
    enqueue: async (message) => {
      sent.push(message);
      return message;
    },
  };
  return { h, sent };
}

function context(
  h: MiddlewareHost,
  options: MessageOptions,
  state: { result?: unknown; error?: unknown; failure?: string } = {},
) {
  const ctx = new MessageContext(
    createMessage({ queueName: 'q', actorName: 'job', args: [1], options }),
    new ActorDefinition('job', 'q', {}, () => undefined),
    h,
  );
  ctx.result = state.result;
  ctx.error = state.error;
  if (state.failure !== undefined) ctx.fail(state.failure);
  return ctx;
}

describe('after-hooks with nothing to do return no promise', () => {
  it('Retries on success, Callbacks without callbacks, Pipelines without pipe_target', () => {
    const { h, sent } = host();
    const ok = context(h, {}, { result: 1 });
    expect(new Retries().afterProcess(ok)).toBeUndefined();
    expect(new Callbacks().afterProcess(ok)).toBeUndefined();
    expect(new Callbacks().afterSkip(ok)).toBeUndefined();
    expect(new Pipelines().afterProcess(ok)).toBeUndefined();
    // Failed with a failure already set: Retries leaves it alone; Pipelines does not forward.
    const failed = context(
      h,
      { pipe_target: createMessage({ queueName: 'q', actorName: 'next' }) },
      { error: new Error('x'), failure: 'dead' },
    );
    expect(new Retries().afterProcess(failed)).toBeUndefined();
    expect(new Pipelines().afterProcess(failed)).toBeUndefined();
    expect(sent).toHaveLength(0);
  });
});

describe('after-hooks with work to do return a promise and send as before', () => {
  it('Callbacks: on_success gets (message, result), to the actor queue or the default queue', async () => {
    const { h, sent } = host();
    await expect(
      new Callbacks().afterProcess(context(h, { on_success: 'known' }, { result: 7 })),
    ).resolves.toBeUndefined();
    await new Callbacks().afterProcess(context(h, { on_success: 'unknown' }));
    expect(sent.map((m) => [m.queue_name, m.actor_name, m.args[1]])).toEqual([
      ['elsewhere', 'known', 7],
      ['default', 'unknown', null],
    ]);
    expect(sent[0].args[0]).toMatchObject({ actor_name: 'job', args: [1] });
  });

  it('Callbacks: on_failure gets the error once the message failed, nothing while it only errored', async () => {
    const { h, sent } = host();
    const onlyErrored = context(h, { on_failure: 'cb', on_success: 'cb' }, { error: new Error('x') });
    await new Callbacks().afterProcess(onlyErrored);
    expect(sent).toHaveLength(0);
    await new Callbacks().afterProcess(
      context(h, { on_failure: 'cb' }, { error: new TypeError('bad'), failure: 'dead' }),
    );
    await new Callbacks().afterSkip(context(h, { on_failure: 'cb' }, { failure: 'too old' }));
    expect(sent.map((m) => m.args[1])).toEqual([
      { type: 'TypeError', message: 'bad' },
      { type: 'Failure', message: 'too old' },
    ]);
  });

  it('Pipelines: sends pipe_target with the result appended, or as it is with pipe_ignore', async () => {
    const { h, sent } = host();
    const target = createMessage({ queueName: 'q', actorName: 'next', args: ['a'] });
    const ignoring = createMessage({ queueName: 'q', actorName: 'next', args: ['a'], options: { pipe_ignore: true } });
    await expect(
      new Pipelines().afterProcess(context(h, { pipe_target: target }, { result: 5 })),
    ).resolves.toBeUndefined();
    await new Pipelines().afterProcess(context(h, { pipe_target: ignoring }, { result: 5 }));
    expect(sent.map((m) => m.args)).toEqual([['a', 5], ['a']]);
  });

  it("Pipelines, as Dramatiq: an actor with pipeIgnore passes no result; the next step's delay option delays it", async () => {
    const delays: Array<number | undefined> = [];
    const { h, sent } = host();
    const enqueue = h.enqueue;
    h.enqueue = (message, options) => (delays.push(options?.delay), enqueue(message, options));
    const target = createMessage({ queueName: 'q', actorName: 'next', args: ['a'], options: { delay: 250 } });
    const ctx = new MessageContext(
      createMessage({ queueName: 'q', actorName: 'job', options: { pipe_target: target } }),
      new ActorDefinition('job', 'q', { pipeIgnore: true }, () => undefined),
      h,
    );
    ctx.result = 5;
    await new Pipelines().afterProcess(ctx);
    expect(sent.map((m) => m.args)).toEqual([['a']]);
    expect(delays).toEqual([250]);
  });

  it('Retries: a failed message is re-enqueued through the returned promise', async () => {
    const { h, sent } = host();
    const ctx = context(h, {}, { error: new Error('boom') });
    const pending = new Retries({ random: () => 0 }).afterProcess(ctx);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(ctx.retried).toBe(true);
    expect(sent).toHaveLength(1);
  });
});

describe('MessageContext.aborted', () => {
  it('is false until the run is aborted, and agrees with the signal after', () => {
    const { h } = host();
    const ctx = context(h, {});
    expect(ctx.aborted).toBe(false);
    ctx.abort(new Error('time limit'));
    expect(ctx.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
  });
});
