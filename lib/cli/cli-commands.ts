import { DramatiqBroker } from '../core/broker.js';
import type { DeadLetter } from '../core/dead-letters/index.js';
import type { BrokerLogger } from '../core/logging/broker-logger.js';
import type { CliCommand } from './cli-args.js';
import { terminalJson, terminalSafe } from './terminal-text.js';

/** Where the CLI writes; process.stdout / process.stderr in real use, buffers in tests. */
export interface CliOutput {
  out(line: string): void | Promise<void>;
  err(line: string): void;
}

/** A command that ran but did not do what was asked (an id not found, a publish refused): exit code 1. */
export class CommandFailed extends Error {}

/** The broker logs nothing on the operator's terminal: failures come back as errors. */
const quiet: BrokerLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

export function cliBroker(url: string): DramatiqBroker {
  return new DramatiqBroker({
    strategy: 'shared',
    url,
    connectionName: 'nestjs-dramatiq-broker CLI',
    logger: quiet,
    // An operator waits at the prompt: two quick retries, then the error.
    connectTimeout: 5_000,
    retry: { maxRetries: 2, intervalStart: 500, intervalStep: 500, intervalMax: 1_000 },
  });
}

export async function runCommand(broker: DramatiqBroker, command: CliCommand, io: CliOutput): Promise<void> {
  switch (command.name) {
    case 'help':
      return;
    case 'queues': {
      await io.out('QUEUE\tREADY\tDELAYED\tDEAD\tCONSUMERS');
      for (const q of command.queues) {
        const s = await broker.getQueueStats(q);
        await io.out(`${q}\t${s.ready}\t${s.delayed}\t${s.dead}\t${s.consumers}`);
      }
      return;
    }
    case 'list': {
      const page = await broker.deadLetters.list(command.queue, { offset: command.offset, limit: command.limit });
      if (command.json) return void (await io.out(terminalJson(page)));
      const last = page.offset + page.items.length - 1;
      await io.out(
        page.items.length === 0
          ? `${page.queueName}.XQ: ${page.total} dead letter(s); none from offset ${page.offset}.`
          : `${page.queueName}.XQ: ${page.total} dead letter(s); showing ${page.offset}-${last}.`,
      );
      for (const d of page.items) await io.out(describe(d));
      if (page.nextOffset !== null) await io.out(`More: --offset ${page.nextOffset}`);
      return;
    }
    case 'show': {
      const found = await broker.deadLetters.get(command.queue, command.id);
      if (!found)
        throw new CommandFailed(`no dead letter with message id "${terminalSafe(command.id)}" in ${command.queue}.XQ`);
      await io.out(terminalJson(found, 2));
      return;
    }
    case 'requeue': {
      const selection = command.all ? { all: true as const } : { messageIds: command.ids };
      const r = await broker.deadLetters.requeue(command.queue, selection, { resetRetries: command.resetRetries });
      await io.out(
        `Requeued ${r.requeued} message(s) to ${command.queue}${command.resetRetries ? ' with their retries reset' : ''}.`,
      );
      if (r.undecodable > 0) await io.out(`Left ${r.undecodable} undecodable dead letter(s) in ${command.queue}.XQ.`);
      if (r.failed > 0)
        throw new CommandFailed(
          `${r.failed} could not be published (${terminalSafe(r.error ?? '')}); they stay in ${command.queue}.XQ`,
        );
      if (r.notFound.length > 0)
        throw new CommandFailed(`not found in ${command.queue}.XQ: ${r.notFound.map(terminalSafe).join(', ')}`);
      return;
    }
    case 'purge': {
      const n = await broker.deadLetters.purge(command.queue);
      await io.out(`Purged ${n} dead letter(s) from ${command.queue}.XQ.`);
      return;
    }
    case 'export': {
      await broker.deadLetters.export(command.queue, (d) => io.out(terminalJson(d)));
      return;
    }
  }
}

function describe(d: DeadLetter): string {
  const r = d.reason;
  const why = r
    ? `${r.reason}${r.error_type ? ` ${r.error_type}: ${r.error_message ?? ''}` : ''} (attempts ${r.attempts}, ${new Date(r.at).toISOString()}, worker "${r.worker}")`
    : d.death
      ? `no record; RabbitMQ: ${d.death.reason} from ${d.death.queue}`
      : 'no record';
  const what = d.message ? `${d.actorName} ${d.argsPreview}` : `undecodable body: ${d.rawBody ?? ''}`;
  return terminalSafe(`#${d.position} ${d.messageId ?? '-'} ${what}`) + '\n    ' + terminalSafe(why);
}
