import type { ResultMessageRef } from './results.errors.js';

/**
 * Where results live. A backend stores and reads documents (JSON text, see result-codec.ts)
 * under the key of a message; encoding, errors and the middleware are shared by all backends.
 */
export interface ResultBackend {
  /** A short name for logs and errors ('redis', 'memory'). */
  readonly kind: string;
  /** The key the result of `message` is stored under (Dramatiq's naming, see result-key.ts). */
  keyFor(message: ResultMessageRef): string;
  /**
   * Replaces what is stored under `key` with `document`, kept for `ttlMs`. Resolves once
   * stored; rejects (ResultBackendUnavailableError) when the backend cannot be reached.
   */
  store(key: string, document: string, ttlMs: number): Promise<void>;
  /** The document under `key`, or undefined when there is none. Never removes it. */
  read(key: string): Promise<string | undefined>;
  /**
   * Resolves with the document under `key` as soon as there is one, or undefined once
   * `timeoutMs` passed. Waits without polling. Never removes the document.
   */
  waitFor(key: string, timeoutMs: number): Promise<string | undefined>;
  /** Releases the connections the backend opened (never ones it was given). Idempotent. */
  close(): Promise<void>;
}
