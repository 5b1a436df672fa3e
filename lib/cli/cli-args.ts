import { parseArgs } from 'node:util';

/** A command line the CLI cannot run: exit code 2, with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type CliCommand =
  | { name: 'help' }
  | { name: 'queues'; queues: string[] }
  | { name: 'list'; queue: string; offset: number; limit: number; json: boolean }
  | { name: 'show'; queue: string; id: string }
  | { name: 'requeue'; queue: string; ids: string[]; all: boolean; resetRetries: boolean }
  | { name: 'purge'; queue: string }
  | { name: 'export'; queue: string };

export interface CliInvocation {
  command: CliCommand;
  /** --url, else the AMQP_URL environment variable. */
  url: string;
}

const OPTIONS = {
  url: { type: 'string' },
  queue: { type: 'string', multiple: true },
  offset: { type: 'string' },
  limit: { type: 'string' },
  id: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  'reset-retries': { type: 'boolean' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEAD_LETTER_ACTIONS = ['list', 'show', 'requeue', 'purge', 'export'] as const;

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliInvocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help')
    return { command: { name: 'help' }, url: '' };
  const url = values.url ?? env.AMQP_URL?.trim() ?? '';
  if (!url) throw new UsageError('no broker address: pass --url amqp://user:password@host:5672/vhost or set AMQP_URL');
  if (!/^amqps?:\/\//.test(url)) throw new UsageError('--url must start with amqp:// or amqps://');
  const queues = values.queue ?? [];
  const oneQueue = (): string => {
    if (queues.length !== 1) throw new UsageError('give exactly one --queue');
    return queues[0];
  };
  const [group, action, ...extra] = positionals;
  if (group === 'queues') {
    if (action !== undefined) throw new UsageError(`unexpected argument "${action}"`);
    if (queues.length === 0) throw new UsageError('give at least one --queue');
    return { command: { name: 'queues', queues }, url };
  }
  if (group !== 'dead-letters') throw new UsageError(`unknown command "${group}"`);
  if (!DEAD_LETTER_ACTIONS.includes(action as never)) {
    throw new UsageError(
      `dead-letters needs one of ${DEAD_LETTER_ACTIONS.join(', ')}${action ? ` (got "${action}")` : ''}`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const queue = oneQueue();
  const ids = values.id ?? [];
  switch (action as (typeof DEAD_LETTER_ACTIONS)[number]) {
    case 'list':
      return {
        command: {
          name: 'list',
          queue,
          offset: integer('--offset', values.offset, 0, 0),
          limit: integer('--limit', values.limit, 20, 1, 500),
          json: values.json ?? false,
        },
        url,
      };
    case 'show':
      if (ids.length !== 1) throw new UsageError('show needs exactly one --id');
      return { command: { name: 'show', queue, id: ids[0] }, url };
    case 'requeue':
      if (ids.length > 0 === (values.all ?? false)) throw new UsageError('requeue needs --id (one or more) or --all');
      return {
        command: {
          name: 'requeue',
          queue,
          ids,
          all: values.all ?? false,
          resetRetries: values['reset-retries'] ?? false,
        },
        url,
      };
    case 'purge':
      if (!values.yes) throw new UsageError('purge deletes every dead letter of the queue: add --yes to confirm');
      return { command: { name: 'purge', queue }, url };
    case 'export':
      return { command: { name: 'export', queue }, url };
  }
}

function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

export const USAGE = `Usage: nestjs-dramatiq-broker <command> --url amqp://user:password@host:5672/vhost [options]

Commands:
  queues --queue Q [--queue Q2 ...]               ready, delayed and dead counts, and consumers
  dead-letters list --queue Q [--offset N] [--limit N] [--json]
                                                  dead letters with their reasons (read only)
  dead-letters show --queue Q --id MESSAGE_ID     one dead letter, as JSON
  dead-letters requeue --queue Q (--id ID ... | --all) [--reset-retries]
                                                  back to Q (confirmed), then removed from Q.XQ
  dead-letters purge --queue Q --yes              deletes every dead letter of Q
  dead-letters export --queue Q                   every dead letter as JSON lines, on stdout

The address may come from AMQP_URL instead of --url. Exit codes: 0 done, 1 failed
(broker unreachable, not found, a publish refused), 2 wrong command line.`;
