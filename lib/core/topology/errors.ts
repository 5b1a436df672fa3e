import { BrokerError } from '../errors/broker-error.js';

export class DelayTooLongError extends BrokerError {
  /** Requested delay, ms. */
  readonly delay: number;
  /** The topology's maxDelayTime, ms. */
  readonly maxDelay: number;
  readonly queueName: string;

  constructor(queueName: string, delay: number, maxDelay: number) {
    super(
      'DELAY_TOO_LONG',
      `Delay of ${delay} ms for queue "${queueName}" exceeds the maximum delay of ${maxDelay} ms. ` +
        `Raise the topology's maxDelayTime option to allow it (this changes the x-message-ttl of ` +
        `"${queueName}.DQ", so an existing delay queue must be deleted or migrated first).`,
    );
    this.queueName = queueName;
    this.delay = delay;
    this.maxDelay = maxDelay;
  }
}

export class InvalidTopologyOptionError extends BrokerError {
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, allowed: string) {
    super('INVALID_TOPOLOGY_OPTION', `Invalid topology option ${option}: ${String(value)} (allowed: ${allowed})`);
    this.option = option;
    this.value = value;
  }
}

/**
 * True for RabbitMQ's 406 PRECONDITION_FAILED "inequivalent arg" (a queue
 * redeclared with different arguments). amqplib 2.3 reports it with
 * `code: 406` both as the rejected operation ("Operation failed: QueueDeclare;
 * 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg
 * 'x-max-priority' for queue 'q' in vhost '/': received '5' but current is '10'"")
 * and as the channel's 'error' event ("Channel closed by server: 406 ...").
 * Other 406s (e.g. "invalid arg") are real errors and do not match.
 */
export function isInequivalentArgError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 406 && typeof message === 'string' && message.includes('inequivalent arg');
}
