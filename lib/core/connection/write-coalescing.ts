/** The parts of amqplib's connection internals this relies on (checked at run time). */
interface AmqplibInternals {
  muxer?: { _readIncoming?: (...args: unknown[]) => unknown; coalesced?: boolean };
  stream?: { cork?: () => void; uncork?: () => void };
}

/**
 * amqplib moves queued frames of all channels to the socket in one loop, one socket write per
 * frame: a burst of 1,000 publishes (or acks) is 1,000 write syscalls, and as many wake-ups of
 * RabbitMQ's reader. Corking the socket around that loop hands the frames to the kernel in
 * one writev per socket buffer (16 KB) instead, with the same bytes in the same order.
 *
 * It wraps a method amqplib does not export; when the internals are not what is expected (a
 * future amqplib), it leaves the connection as it is and returns false.
 */
export function coalesceSocketWrites(amqplibConnection: unknown): boolean {
  const internals = (amqplibConnection as { connection?: AmqplibInternals } | undefined)?.connection;
  const muxer = internals?.muxer;
  const socket = internals?.stream;
  const flush = muxer?._readIncoming;
  if (
    !muxer ||
    typeof flush !== 'function' ||
    typeof socket?.cork !== 'function' ||
    typeof socket.uncork !== 'function'
  )
    return false;
  if (muxer.coalesced) return true;
  muxer.coalesced = true;
  muxer._readIncoming = function coalescedReadIncoming(this: unknown, ...args: unknown[]) {
    socket.cork!();
    try {
      return flush.apply(this, args);
    } finally {
      socket.uncork!();
    }
  };
  return true;
}
