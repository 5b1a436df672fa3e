/** Injection token of the validated module options. */
export const BROKER_MODULE_OPTIONS = Symbol('BROKER_MODULE_OPTIONS');

/** Metadata key written by @Actor() on a method. */
export const ACTOR_METADATA = 'nestjs-dramatiq-broker:actor';

/** Option keys the Nest module owns (the core broker ignores them). */
export const MODULE_ONLY_OPTION_KEYS = ['worker', 'metrics', 'tracing', 'eventEmitter'] as const;

/** Metadata key written by @OnBrokerEvent() on a method. */
export const BROKER_EVENT_METADATA = 'nestjs-dramatiq-broker:broker-event';
