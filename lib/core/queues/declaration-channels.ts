import type { QueueChannel } from '../connection/queue-channel.js';

/** How long declaration channels stay open once no declaration needs them. */
const IDLE_CLOSE_MS = 2_000;

/**
 * Declaration channels kept open between declarations during a burst (10,000 sends to 1,000 new
 * queues, a worker for 1,000 queues): opening and closing a channel per queue costs two round
 * trips of the three declarations' five. At most `max` are kept, and all close after
 * IDLE_CLOSE_MS without use, so a process at rest holds none.
 */
export class DeclarationChannels {
  private idle: QueueChannel[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly max: number) {}

  /** An idle channel that is still open, if any. */
  take(): QueueChannel | undefined {
    while (this.idle.length > 0) {
      const channel = this.idle.pop()!;
      if (channel.isOpen) return channel;
    }
    return undefined;
  }

  /** Keeps a channel for the next declaration, or closes it when enough are kept. */
  async give(channel: QueueChannel): Promise<void> {
    if (!channel.isOpen) return;
    if (this.idle.length >= this.max) {
      await channel.close();
      return;
    }
    this.idle.push(channel);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.closeAll(), IDLE_CLOSE_MS);
    this.timer.unref();
  }

  async closeAll(): Promise<void> {
    clearTimeout(this.timer);
    const idle = this.idle;
    this.idle = [];
    await Promise.all(idle.map((c) => c.close()));
  }
}
