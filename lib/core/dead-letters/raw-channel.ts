import type { ConfirmChannel, Options } from 'amqplib';
import type { ChannelLease, ChannelRole } from '../connection/connection-holder.js';
import { DeadLetterPublishError } from './dead-letter.errors.js';

/** Where channels come from: the broker's connection holder, or a worker's host. */
export interface ChannelSource {
  acquire(role: ChannelRole): Promise<ChannelLease>;
}

/** Longest wait for a confirm; a confirm that never comes must not hang a worker or an operator. */
export const CONFIRM_TIMEOUT_MS = 30_000;

/**
 * Runs `work` on a confirm channel of its own, on a producer connection, and closes it after.
 * Dead-letter reads rely on that close: every message fetched and not acked goes back to the
 * queue, in its place. A server-side channel error ends only this channel, never a pooled one.
 */
export async function withConfirmChannel<T>(
  source: ChannelSource,
  work: (channel: ConfirmChannel) => Promise<T>,
): Promise<T> {
  const lease = await source.acquire('producer');
  try {
    const connection = lease.connection.rawConnection;
    if (!connection) throw lease.connection.lastError ?? new Error('Not connected to RabbitMQ.');
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    // A requeue has up to a batch of publishes in flight, each with its 'return' listener.
    channel.setMaxListeners(0);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  } finally {
    lease.release();
  }
}

/**
 * Publishes on the default exchange to `queue` and resolves once RabbitMQ confirmed it. Mandatory:
 * a message no queue took (the queue was deleted) comes back and rejects, instead of being
 * confirmed and dropped. Returned messages are told apart by their messageId property.
 */
export function publishConfirmed(
  channel: ConfirmChannel,
  queue: string,
  body: Buffer,
  options: Options.Publish & { messageId: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let returned = false;
    const onReturn = (msg: { properties: { messageId?: unknown } }) => {
      if (msg.properties.messageId === options.messageId) returned = true;
    };
    const timer = setTimeout(() => finish(new Error(`no confirm within ${CONFIRM_TIMEOUT_MS} ms`)), CONFIRM_TIMEOUT_MS);
    let done = false;
    const finish = (err: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      channel.off('return', onReturn);
      if (err) reject(new DeadLetterPublishError(queue, err instanceof Error ? err.message : String(err)));
      else if (returned) reject(new DeadLetterPublishError(queue, 'no queue of that name (returned unroutable)', true));
      else resolve();
    };
    channel.on('return', onReturn);
    try {
      channel.publish('', queue, body, { ...options, mandatory: true }, (err) => finish(err ?? undefined));
    } catch (err) {
      finish(err);
    }
  });
}
