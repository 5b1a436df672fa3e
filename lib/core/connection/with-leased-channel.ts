import type { QueueLease } from './connection-holder.js';

/** Where queue leases come from: the connection holder, the broker, or a worker's host. */
export interface QueueLeaseSource {
  acquireForQueues(): Promise<QueueLease>;
}

/**
 * Runs `work` on a channel of its own, opened on a leased connection, and closes the channel and
 * gives the lease back after, however `work` ends. Closing matters: a server-side channel error
 * stays on this channel, and messages fetched without an ack go back to their queue.
 */
export async function withLeasedChannel<C extends { close(): Promise<void> }, T>(
  source: QueueLeaseSource,
  open: (lease: QueueLease) => Promise<C>,
  work: (channel: C) => Promise<T>,
): Promise<T> {
  const lease = await source.acquireForQueues();
  try {
    const channel = await open(lease);
    try {
      return await work(channel);
    } finally {
      await channel.close();
    }
  } finally {
    lease.release();
  }
}
