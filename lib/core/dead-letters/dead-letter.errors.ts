import { BrokerError } from '../errors/broker-error.js';

/** A publish of the dead-letter API or of a dead-lettered copy that RabbitMQ did not take. */
export class DeadLetterPublishError extends BrokerError {
  constructor(
    readonly queueName: string,
    detail: string,
    /** RabbitMQ returned it: no queue of that name. */
    readonly unroutable = false,
  ) {
    super('DEAD_LETTER_PUBLISH_FAILED', `Could not publish to "${queueName}": ${detail}.`);
  }
}

/** A dead-letter API argument out of range (a negative offset, a limit of 0, no selection). */
export class InvalidDeadLetterRequestError extends BrokerError {
  constructor(detail: string) {
    super('INVALID_DEAD_LETTER_REQUEST', detail);
  }
}
