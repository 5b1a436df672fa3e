import type { BrokerEventName } from '../core/observability/events/event-types.js';
import { BROKER_EVENT_METADATA } from '../broker.constants.js';

/**
 * Runs the method on a broker event: `@OnBrokerEvent('failed') onFailed(event: MessageFailedEvent)`.
 * Works on singleton providers; the method gets the event and may return a promise (a rejection
 * is logged, it never affects the message). Several events: stack the decorator.
 */
export function OnBrokerEvent(event: BrokerEventName): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const current = (Reflect.getMetadata(BROKER_EVENT_METADATA, method) as BrokerEventName[] | undefined) ?? [];
    Reflect.defineMetadata(BROKER_EVENT_METADATA, [...current, event], method);
    return descriptor;
  };
}
