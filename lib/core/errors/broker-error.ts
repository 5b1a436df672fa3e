/**
 * Base class of every error this library raises on purpose. `code` is stable and
 * meant for programs; `message` names the cause and the fix and is meant for people.
 */
export class BrokerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}
