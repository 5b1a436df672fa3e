import type { ProducerLease } from '../connection/connection-holder.js';
import type { PublishOutcome, PublishProperties } from '../connection/producer-channel.js';

export interface OutgoingMessage {
  readonly queueName: string;
  /** Canonical queue (without .DQ), whose declaration covers `queueName`. */
  readonly canonicalQueue: string;
  /** For errors and logs only: the wire never needs it parsed back out of the body. */
  readonly messageId: string;
  /** The delay the send asked for (reported in the published event). */
  readonly delayMs?: number;
  readonly body: Buffer;
  readonly properties: PublishProperties;
}

/**
 * One send on its way, from send() to its outcome: the message, its attempts so far, what it
 * holds (a publish slot, a channel lease, the deadline timer) and how to settle it. One object
 * per send; the publisher's loop moves it from attempt to outcome to decision.
 *
 * It copies the message's fields rather than keeping the caller's record, so a send waiting for
 * its confirm keeps one object fewer alive (the sends in flight are what young-generation
 * collections copy).
 */
export class Send implements OutgoingMessage {
  readonly queueName: string;
  readonly canonicalQueue: string;
  readonly messageId: string;
  readonly delayMs: number | undefined;
  readonly body: Buffer;
  readonly properties: PublishProperties;
  /** Attempts written (or tried) so far. */
  attempt = 0;
  /** The queue was declared again after a return: a second return is final. */
  redeclared = false;
  settled = false;
  holdsSlot = false;
  lease: ProducerLease | undefined = undefined;
  /** When the send rejects with PublishConfirmTimeoutError unless settled before (set by the publisher's DeadlineQueue). */
  expiresAt = 0;
  /** performance.now() at the call when its end is reported to the publisher's listener; -1 when not. */
  startedAt = -1;

  constructor(
    message: OutgoingMessage,
    /** What the send's promise resolves with (the message as sent). */
    readonly result: unknown,
    readonly resolve: (result: unknown) => void,
    readonly reject: (error: Error) => void,
    /** The publisher's generation when the send began: close() starts a new one. */
    readonly generation: number,
    private readonly onOutcome: (send: Send, outcome: PublishOutcome, error: Error | undefined) => void,
  ) {
    this.queueName = message.queueName;
    this.canonicalQueue = message.canonicalQueue;
    this.messageId = message.messageId;
    this.delayMs = message.delayMs;
    this.body = message.body;
    this.properties = message.properties;
  }

  /** Passed to the channel with each write (a method, not a closure per send): reports that write's outcome. */
  published(outcome: PublishOutcome, error: Error | undefined): void {
    this.onOutcome(this, outcome, error);
  }
}
