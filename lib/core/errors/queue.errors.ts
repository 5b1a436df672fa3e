import { BrokerError } from './broker-error.js';

/** An operator asked about a queue RabbitMQ does not have (operator tools never create one). */
export class QueueNotFoundError extends BrokerError {
  constructor(readonly queueName: string) {
    super('QUEUE_NOT_FOUND', `Queue "${queueName}" does not exist on this RabbitMQ (vhost).`);
  }
}

/** Turns amqplib's 404 (NOT_FOUND) channel error about `queueName` into QueueNotFoundError. */
export function notFoundAs(queueName: string): (err: unknown) => never {
  return (err: unknown) => {
    throw (err as { code?: number }).code === 404 ? new QueueNotFoundError(queueName) : err;
  };
}
