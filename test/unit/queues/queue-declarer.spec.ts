/**
 * QueueDeclarer against a fake queue channel: each queue's three queues declared once and
 * cached, a 406 (existing queue with other arguments) warned about and the next declaration on
 * a fresh channel, a failure not cached, forget() declaring again, the lease always given back,
 * declarations bounded in number at a time, channels kept through a burst and closed when idle.
 */
import { describe, expect, it, jest } from '@jest/globals';
import type { QueueChannel } from '../../../lib/core/connection/queue-channel.js';
import { DECLARATIONS_AT_ONCE, QueueDeclarer } from '../../../lib/core/queues/queue-declarer.js';
import { DefaultDramatiqTopology } from '../../../lib/core/topology/topology.js';
import { CapturingLogger } from '../../support/broker-fixtures.js';
import { FakeHolder } from '../../support/fake-channels.js';

/** Records declarations; the server closes the channel on a failed one, as RabbitMQ does. */
class FakeQueueChannel {
  isOpen = true;
  closed = 0;
  constructor(
    private readonly log: string[],
    private readonly failFor: Map<string, Error>,
  ) {}
  async assertQueue(name: string): Promise<void> {
    const failure = this.failFor.get(name);
    if (failure) {
      this.failFor.delete(name);
      this.isOpen = false;
      throw failure;
    }
    this.log.push(name);
  }
  async close(): Promise<void> {
    this.closed += 1;
  }
}

function setup(failFor = new Map<string, Error>()) {
  const holder = new FakeHolder();
  const declaredNames: string[] = [];
  const channels: FakeQueueChannel[] = [];
  holder.queueChannel = async () => {
    const channel = new FakeQueueChannel(declaredNames, failFor);
    channels.push(channel);
    return channel as unknown as QueueChannel;
  };
  const logger = new CapturingLogger();
  const declarer = new QueueDeclarer(holder, new DefaultDramatiqTopology(), logger);
  return { holder, declarer, declaredNames, channels, logger };
}

function inequivalent(name: string): Error {
  return Object.assign(
    new Error(
      `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-exchange' for queue '${name}' in vhost '/': received the value '' of type 'longstr' but current is none"`,
    ),
    { code: 406 },
  );
}

describe('QueueDeclarer', () => {
  it("declares a queue's three queues once, on one channel, and caches it; the channel serves the next queue, then closes when idle", async () => {
    jest.useFakeTimers();
    try {
      const { declarer, declaredNames, channels, holder } = setup();
      expect(declarer.isDeclared('q')).toBe(false);
      await Promise.all([declarer.ensure('q'), declarer.ensure('q.DQ')]);
      expect(declaredNames).toEqual(['q.XQ', 'q', 'q.DQ']);
      expect(channels).toHaveLength(1);
      expect(declarer.isDeclared('q.DQ')).toBe(true);
      await declarer.ensure('q');
      expect(declaredNames).toHaveLength(3);
      expect(holder.outstanding).toBe(0);
      await declarer.ensure('other');
      expect(channels).toHaveLength(1); // kept open between declarations
      expect(channels[0]!.closed).toBe(0);
      await jest.advanceTimersByTimeAsync(2_000);
      expect(channels[0]!.closed).toBe(1); // closed once idle
    } finally {
      jest.useRealTimers();
    }
  });

  it(`runs at most ${DECLARATIONS_AT_ONCE} declarations at once; the others wait their turn`, async () => {
    const { declarer, channels } = setup();
    const all = Array.from({ length: 100 }, (_, i) => declarer.ensure(`q${i}`));
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(channels.length).toBeLessThanOrEqual(DECLARATIONS_AT_ONCE);
    await Promise.all(all);
    expect(channels.length).toBeLessThanOrEqual(DECLARATIONS_AT_ONCE);
    expect(declarer.queues()).toHaveLength(100);
  });

  it('a 406 on an existing queue is a warning; the rest is declared on a fresh channel', async () => {
    const { declarer, declaredNames, channels, logger } = setup(new Map([['q', inequivalent('q')]]));
    await declarer.ensure('q');
    expect(declaredNames).toEqual(['q.XQ', 'q.DQ']);
    expect(channels).toHaveLength(2);
    expect(logger.text()).toMatch(/Queue "q" already exists with other arguments .* It is used as it is/);
    expect(declarer.isDeclared('q')).toBe(true);
  });

  it('a failure is not cached: the next ensure() tries again', async () => {
    const denied = new Error('Operation failed: QueueDeclare; 403 (ACCESS-REFUSED)');
    const { declarer, declaredNames, holder } = setup(new Map([['q.XQ', denied]]));
    await expect(declarer.ensure('q')).rejects.toThrow(/403/);
    expect(declarer.isDeclared('q')).toBe(false);
    expect(holder.outstanding).toBe(0);
    await declarer.ensure('q');
    expect(declaredNames).toEqual(['q.XQ', 'q', 'q.DQ']);
  });

  it('forget() makes the next ensure() declare again', async () => {
    const { declarer, declaredNames } = setup();
    await declarer.ensure('q');
    declarer.forget('q.DQ');
    expect(declarer.isDeclared('q')).toBe(false);
    await declarer.ensure('q');
    expect(declaredNames).toHaveLength(6);
    expect(declarer.queues()).toEqual(['q']);
  });
});
