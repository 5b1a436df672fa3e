import type { FetchedMessage, OperatorChannel } from '../connection/operator-channel.js';
import { notFoundAs } from '../errors/queue.errors.js';

/**
 * Walks q.XQ from its head with basic.get, without acking: each message stays on the server,
 * unacked, until the channel closes and RabbitMQ puts every one of them back in its place
 * (classic queues keep the original order; quorum queues
 * keep every message but, on RabbitMQ 3.10, not the order). Nothing is consumed, lost or reordered, and only
 * the message being visited is held here, so memory stays bounded whatever the queue's size.
 *
 * At most `snapshot` messages are visited: the queue's count when the walk began. Dead letters
 * arriving meanwhile are left for the next walk. `visit` returns false to stop early.
 */
export async function scanQueue(
  channel: OperatorChannel,
  queue: string,
  visit: (message: FetchedMessage, position: number) => boolean | Promise<boolean>,
): Promise<{ snapshot: number; visited: number }> {
  const { messageCount: snapshot } = await channel.check(queue).catch(notFoundAs(queue));
  let position = 0;
  while (position < snapshot) {
    const message = await channel.get(queue);
    if (message === undefined) break;
    const more = await visit(message, position);
    position += 1;
    if (!more) break;
  }
  return { snapshot, visited: position };
}
