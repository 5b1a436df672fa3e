import { BrokerError } from '../errors/broker-error.js';

/** An optional peer dependency a feature needs is not installed. */
export class OptionalDependencyMissingError extends BrokerError {
  constructor(packageName: string, feature: string, cause: unknown) {
    super(
      'OPTIONAL_DEPENDENCY_MISSING',
      `${feature} needs the package "${packageName}": install it next to nestjs-dramatiq-broker (npm install ${packageName}).`,
      { cause },
    );
  }
}

/**
 * Loads an optional peer dependency when a feature is switched on, never before: the core
 * entry does not import prom-client or @opentelemetry/api. Works from the ESM and the CJS build
 * (a CommonJS package seen from ESM comes with its exports under `default`).
 */
export async function loadOptionalPeer<T>(packageName: string, feature: string, probe: string): Promise<T> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(packageName)) as Record<string, unknown>;
  } catch (err) {
    throw new OptionalDependencyMissingError(packageName, feature, err);
  }
  if (probe in loaded) return loaded as T;
  const inner = loaded.default as Record<string, unknown> | undefined;
  if (inner && probe in inner) return inner as T;
  return loaded as T;
}
