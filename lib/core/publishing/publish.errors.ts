import { BrokerError } from '../errors/broker-error.js';

export class PublishConfirmTimeoutError extends BrokerError {
  constructor(
    readonly queueName: string,
    readonly messageId: string,
    timeoutMs: number,
  ) {
    super(
      'PUBLISH_CONFIRM_TIMEOUT',
      `RabbitMQ did not confirm message ${messageId} to queue "${queueName}" within ${timeoutMs} ms. ` +
        'The message may or may not have been stored. Likely causes: the connection is down or stalled, or ' +
        'RabbitMQ blocks publishers (memory or disk alarm: see rabbitmqctl status). Raise confirmTimeout if the ' +
        'server is merely slow.',
    );
  }
}

export class PublishRejectedError extends BrokerError {
  constructor(
    readonly queueName: string,
    readonly messageId: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      'PUBLISH_REJECTED',
      `RabbitMQ refused message ${messageId} for queue "${queueName}": ${detail}. Check the queue's limits ` +
        '(x-max-length with reject-publish, say) and the server log.',
      { cause },
    );
  }
}

export class PublishBufferFullError extends BrokerError {
  constructor(readonly limit: number) {
    super(
      'PUBLISH_BUFFER_FULL',
      `${limit} sends are already waiting for RabbitMQ (it is unreachable or slow), so this one is refused ` +
        'rather than held in memory without bound. Retry later, or raise maxBufferedMessages.',
    );
  }
}

export class PublishFailedError extends BrokerError {
  constructor(
    readonly queueName: string,
    readonly messageId: string,
    attempts: number,
    cause: unknown,
  ) {
    super(
      'PUBLISH_FAILED',
      `Could not publish message ${messageId} to queue "${queueName}" after ${attempts} attempt(s): ` +
        `${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
