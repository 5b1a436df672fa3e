import { redactUrl } from '../security/redact.js';
import { BrokerError } from './broker-error.js';

/** An option failed validation at startup. The message names the option and what is allowed. */
export class InvalidBrokerOptionError extends BrokerError {
  constructor(
    readonly option: string,
    readonly allowed: string,
    received: unknown,
    message?: string,
  ) {
    super(
      'INVALID_OPTION',
      message ?? `Invalid broker option "${option}": expected ${allowed}, received ${describeValue(received)}.`,
    );
  }

  /** A key the library does not know (a typo, most often). Its value is not echoed: it may be a secret. */
  static unknownKey(option: string, known: readonly string[]): InvalidBrokerOptionError {
    return new InvalidBrokerOptionError(
      option,
      `one of: ${known.join(', ')}`,
      undefined,
      `Unknown broker option "${option}". Known options here: ${known.join(', ')}.`,
    );
  }
}

/** Strings are shown with any URL password hidden, since a misplaced URL may carry one. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const safe = redactUrl(value);
    return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 57)}...` : safe);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
