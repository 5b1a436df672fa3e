/**
 * OpenTelemetry's messaging semantic conventions for RabbitMQ, as this library fills them.
 * Dramatiq publishes to the default exchange, whose name is the empty string, with the queue
 * as routing key; span names use the queue ("send default", "process default").
 */
export const MESSAGING_SYSTEM = 'messaging.system';
export const MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const MESSAGING_ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key';
export const MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const MESSAGING_BODY_SIZE = 'messaging.message.body.size';

/** Ours: the Dramatiq actor, the retry number, the delay of a delayed send. */
export const DRAMATIQ_ACTOR_NAME = 'dramatiq.actor_name';
export const DRAMATIQ_RETRIES = 'dramatiq.retries';
export const DRAMATIQ_DELAY_MS = 'dramatiq.delay_ms';

/** Span events. */
export const EVENT_RETRY = 'dramatiq.retry';
export const EVENT_DEAD_LETTER = 'dramatiq.dead_letter';
export const EVENT_SKIPPED = 'dramatiq.skipped';
export const EVENT_DELAYED = 'dramatiq.delayed';

/** Attribute of the link from a retry's send to the processing that failed. */
export const LINK_RETRY_OF = 'dramatiq.retry_of';
