/**
 * What an existing queue's arguments say about who declared it, read from RabbitMQ's 406
 * "inequivalent arg" reply (the server's only account of them without the management API),
 * so the warning can name the option that matches instead of leaving users to guess.
 */

/** The argument RabbitMQ compared, and its value on the existing queue (undefined: the queue has none). */
export interface InequivalentArg {
  readonly argument: string;
  readonly queue: string;
  readonly current: string | undefined;
}

const INEQUIVALENT =
  /inequivalent arg '([^']+)' for queue '([^']+)'.*? but current is (none|the value '([^']*)'|'([^']*)')/;

export function parseInequivalentArg(serverMessage: string): InequivalentArg | undefined {
  const match = INEQUIVALENT.exec(serverMessage);
  if (!match) return undefined;
  const [, argument, queue, , valued, quoted] = match;
  return { argument: argument!, queue: queue!, current: valued ?? quoted };
}

/** A sentence naming the layout that declared the queue and the option that matches it, when known. */
export function matchingOptionHint(serverMessage: string): string | undefined {
  const arg = parseInequivalentArg(serverMessage);
  if (!arg) return undefined;
  const { argument, queue, current } = arg;
  switch (argument) {
    case 'x-dead-letter-routing-key': {
      if (!queue.endsWith('.DQ') || current === undefined) return undefined;
      const base = queue.slice(0, -3);
      if (current === `${base}.XQ`) {
        return `"${queue}" dead-letters to "${current}": Dramatiq's own RabbitmqBroker layout. Set topology: 'dlx-routing' to match it.`;
      }
      if (current === base) {
        return `"${queue}" dead-letters to "${current}": dramatiq-kombu-broker's layout. Set topology: 'default' (the default) to match it.`;
      }
      return undefined;
    }
    case 'x-max-priority':
      return current === undefined
        ? `"${queue}" has no priority: leave maxPriority unset to match it.`
        : `"${queue}" has x-max-priority ${current}: set maxPriority: ${current} to match it.`;
    case 'x-queue-type':
      return `"${queue}" is a ${current ?? 'classic'} queue: set queueType: '${current ?? 'classic'}' to match it.`;
    case 'x-message-ttl': {
      const option = queue.endsWith('.DQ') ? 'maxDelayTime' : queue.endsWith('.XQ') ? 'deadMessageTtl' : undefined;
      if (!option) return undefined;
      return current === undefined
        ? `"${queue}" has no x-message-ttl: leave ${option} unset to match it.`
        : `"${queue}" has x-message-ttl ${current} ms: set ${option}: ${current} to match it.`;
    }
    default:
      return undefined;
  }
}
