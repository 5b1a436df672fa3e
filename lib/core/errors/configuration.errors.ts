import { BrokerError } from './broker-error.js';

/** An option failed validation at startup. The message names the option and what is allowed. */
export class InvalidBrokerOptionError extends BrokerError {
  constructor(
    readonly option: string,
    readonly allowed: string,
    readonly received: unknown,
  ) {
    super(
      'INVALID_OPTION',
      `Invalid broker option "${option}": expected ${allowed}, received ${describeValue(received)}.`,
    );
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}
