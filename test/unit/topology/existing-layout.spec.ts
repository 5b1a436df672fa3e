import { describe, expect, it } from '@jest/globals';
import { matchingOptionHint, parseInequivalentArg } from '../../../lib/core/topology/existing-layout.js';

// RabbitMQ 3.10's replies, as amqplib 2.3 reports them (captured from the local node).
const reply = (detail: string) =>
  `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ${detail}"`;

describe('reading the layout of an existing queue from a 406 reply', () => {
  it("parses the argument, the queue and the current value in both of RabbitMQ's phrasings", () => {
    expect(
      parseInequivalentArg(
        reply(
          "inequivalent arg 'x-dead-letter-routing-key' for queue 'q.DQ' in vhost '/': received 'q' but current is 'q.XQ'",
        ),
      ),
    ).toEqual({ argument: 'x-dead-letter-routing-key', queue: 'q.DQ', current: 'q.XQ' });
    expect(
      parseInequivalentArg(
        reply(
          "inequivalent arg 'x-max-priority' for queue 'q' in vhost '/': received the value '10' of type 'byte' but current is none",
        ),
      ),
    ).toEqual({ argument: 'x-max-priority', queue: 'q', current: undefined });
    expect(
      parseInequivalentArg(
        reply(
          "inequivalent arg 'x-max-priority' for queue 'q' in vhost '/': received none but current is the value '5' of type 'byte'",
        ),
      ),
    ).toEqual({ argument: 'x-max-priority', queue: 'q', current: '5' });
    expect(parseInequivalentArg('Channel closed by server: 404 NOT_FOUND')).toBeUndefined();
  });

  it('names the option that matches the queue as it is', () => {
    const dq = (current: string) =>
      reply(
        `inequivalent arg 'x-dead-letter-routing-key' for queue 'jobs.DQ' in vhost '/': received 'x' but current is '${current}'`,
      );
    expect(matchingOptionHint(dq('jobs.XQ'))).toMatch(/RabbitmqBroker layout\. Set topology: 'dlx-routing'/);
    expect(matchingOptionHint(dq('jobs'))).toMatch(/dramatiq-kombu-broker's layout\. Set topology: 'default'/);
    expect(matchingOptionHint(dq('elsewhere'))).toBeUndefined();
    expect(
      matchingOptionHint(
        reply(
          "inequivalent arg 'x-message-ttl' for queue 'jobs.XQ' in vhost '/': received none but current is the value '604800000' of type 'long'",
        ),
      ),
    ).toBe('"jobs.XQ" has x-message-ttl 604800000 ms: set deadMessageTtl: 604800000 to match it.');
    expect(
      matchingOptionHint(
        reply(
          "inequivalent arg 'x-queue-type' for queue 'jobs' in vhost '/': received 'classic' but current is 'quorum'",
        ),
      ),
    ).toBe('"jobs" is a quorum queue: set queueType: \'quorum\' to match it.');
    expect(
      matchingOptionHint(
        reply("inequivalent arg 'x-overflow' for queue 'jobs' in vhost '/': received 'a' but current is 'b'"),
      ),
    ).toBeUndefined();
  });
});
