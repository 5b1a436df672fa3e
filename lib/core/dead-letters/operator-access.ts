import type { OperatorChannel, PublishProperties } from '../connection/operator-channel.js';
import { type QueueLeaseSource, withLeasedChannel } from '../connection/with-leased-channel.js';
import { DeadLetterPublishError } from './dead-letter.errors.js';

/** Where operator channels come from: the broker, or a worker's host. */
export type OperatorChannelSource = QueueLeaseSource;

/** Longest wait for a confirm; a confirm that never comes must not hang a worker or an operator. */
export const CONFIRM_TIMEOUT_MS = 30_000;

/**
 * Runs `work` on an operator channel of its own and closes it after. Dead-letter reads rely on
 * that close: every message fetched and not acked goes back to the queue, in its place.
 */
export function withOperatorChannel<T>(
  source: OperatorChannelSource,
  work: (channel: OperatorChannel) => Promise<T>,
): Promise<T> {
  return withLeasedChannel(source, (lease) => lease.openOperatorChannel(), work);
}

/**
 * Publishes to `queue` and resolves once RabbitMQ confirmed it; a message no queue took (the queue
 * was deleted) rejects as unroutable instead of being confirmed and dropped.
 */
export async function publishConfirmed(
  channel: OperatorChannel,
  queue: string,
  body: Buffer,
  properties: PublishProperties & { messageId: string },
): Promise<void> {
  let outcome;
  try {
    outcome = await channel.publish(queue, body, properties, CONFIRM_TIMEOUT_MS);
  } catch (err) {
    throw new DeadLetterPublishError(queue, (err as Error).message);
  }
  if (outcome === 'returned')
    throw new DeadLetterPublishError(queue, 'no queue of that name (returned unroutable)', true);
}
