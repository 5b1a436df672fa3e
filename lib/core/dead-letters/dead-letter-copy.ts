import type { FetchedProperties as MessageProperties } from '../connection/operator-channel.js';
import { encodeMessage } from '../message/message-codec.js';
import { copyMessage, type DramatiqMessage } from '../message/message.js';
import { DEAD_LETTER_HEADER, DEAD_LETTER_OPTION, type DeadLetterRecord, recordHeader } from './dead-letter-reason.js';

/** A publish of the dead-lettered copy: body and AMQP properties. */
export interface DeadLetterCopy {
  readonly body: Buffer;
  readonly properties: {
    persistent: true;
    priority?: number;
    messageId?: string;
    contentType?: string;
    contentEncoding?: string;
    headers: Record<string, unknown>;
  };
}

/**
 * The copy that goes to q.XQ. A decoded message keeps its Dramatiq form (queue_name, args,
 * message_id, every option) with the record added as `options.dead_letter`, encoded exactly as
 * Dramatiq would; an undecodable body is kept byte for byte. Both carry the record as a header
 * too, next to the headers the delivery had (an x-death of an earlier hop, say).
 */
export function deadLetterCopy(
  original: { content: Buffer; properties?: Partial<MessageProperties> },
  message: DramatiqMessage | undefined,
  record: DeadLetterRecord,
): DeadLetterCopy {
  const props = original.properties ?? {};
  const body = message
    ? encodeMessage(copyMessage(message, { options: { [DEAD_LETTER_OPTION]: record } }))
    : original.content;
  return {
    body,
    properties: {
      persistent: true,
      ...(typeof props.priority === 'number' ? { priority: props.priority } : {}),
      ...(props.messageId || message ? { messageId: String(props.messageId ?? message?.message_id) } : {}),
      ...(props.contentType ? { contentType: String(props.contentType) } : {}),
      ...(props.contentEncoding ? { contentEncoding: String(props.contentEncoding) } : {}),
      headers: { ...(props.headers ?? {}), [DEAD_LETTER_HEADER]: recordHeader(record) },
    },
  };
}

/** The message as it goes back to its queue: without the record, and without its retry state when asked. */
export function requeuedMessage(message: DramatiqMessage, queueName: string, resetRetries: boolean): DramatiqMessage {
  const { [DEAD_LETTER_OPTION]: _record, ...options } = message.options;
  if (resetRetries) {
    delete options.retries;
    delete options.traceback;
    delete options.requeue_timestamp;
  }
  delete options.eta;
  return { ...message, queue_name: queueName, options };
}
