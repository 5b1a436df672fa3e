import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';

/** Small validators; each throws InvalidBrokerOptionError naming the option and the allowed values. */

/** Longest delay setTimeout honours: above it Node fires after 1 ms (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function checkInteger(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InvalidBrokerOptionError(option, `an integer ${range}`, value);
  }
  return value;
}

/** Like checkInteger but also accepts Infinity (for "retry forever"). */
export function checkCount(option: string, value: unknown, min: number): number {
  if (value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidBrokerOptionError(option, `an integer >= ${min} or Infinity`, value);
  }
  return value;
}

export function checkOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidBrokerOptionError(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

export function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidBrokerOptionError(option, 'true or false', value);
  return value;
}

export function checkNonEmptyString(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidBrokerOptionError(option, 'a non-empty string', value);
  }
  return value;
}

export function checkPlainObject(option: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidBrokerOptionError(option, 'an object', value);
  }
  return value as Record<string, unknown>;
}

/** Rejects keys the library does not know: a typo must not pass silently. */
export function checkKnownKeys(option: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw InvalidBrokerOptionError.unknownKey(option ? `${option}.${key}` : key, known);
    }
  }
}
