/** Injection token of the validated module options. */
export const BROKER_MODULE_OPTIONS = Symbol('BROKER_MODULE_OPTIONS');
