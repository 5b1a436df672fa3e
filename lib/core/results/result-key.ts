import { hash } from 'node:crypto';
import { canonicalQueueName } from '../topology/naming.js';
import type { ResultMessageRef } from './results.errors.js';

/** How result keys are named; the same choices as Dramatiq's ResultBackend. */
export interface ResultKeyOptions {
  /** First part of every key. Default 'dramatiq-results'. */
  namespace?: string;
  /**
   * true: the key is `<namespace>:<queue>:<actor>:<message_id>` itself (Dramatiq's
   * use_namespace_prefix_keys=True), readable and scannable by prefix. false (default):
   * the MD5 hex digest of that string, as Dramatiq writes by default.
   */
  prefixedKeys?: boolean;
}

export const DEFAULT_RESULT_NAMESPACE = 'dramatiq-results';

/** The string a key is made from: the queue without its .DQ/.XQ suffix. */
export function resultKeySource(message: ResultMessageRef, namespace = DEFAULT_RESULT_NAMESPACE): string {
  return `${namespace}:${canonicalQueueName(message.queue_name)}:${message.actor_name}:${message.message_id}`;
}

/** The key Dramatiq stores the result of `message` under. */
export function resultKey(message: ResultMessageRef, options: ResultKeyOptions = {}): string {
  const source = resultKeySource(message, options.namespace);
  // crypto.hash: one call, about a third of createHash().update().digest() per key.
  return options.prefixedKeys ? source : hash('md5', source, 'hex');
}
