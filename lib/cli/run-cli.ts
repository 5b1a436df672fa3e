import { redactUrl, scrubSecrets } from '../core/security/redact.js';
import { parseCli, USAGE, UsageError } from './cli-args.js';
import { cliBroker, CommandFailed, type CliOutput, runCommand } from './cli-commands.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Runs one command line; resolves with the exit code. Never prints the broker's password. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  let invocation;
  try {
    invocation = parseCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`Error: ${err.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (invocation.command.name === 'help') {
    await io.out(USAGE);
    return EXIT_OK;
  }
  const secrets = passwordOf(invocation.url);
  const broker = cliBroker(invocation.url);
  try {
    await runCommand(broker, invocation.command, io);
    return EXIT_OK;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    const prefix = err instanceof CommandFailed ? 'Failed' : `Error (${redactUrl(invocation.url)})`;
    io.err(scrubSecrets(`${prefix}: ${text}`, secrets));
    return EXIT_FAILED;
  } finally {
    await broker.close().catch(() => undefined);
  }
}

function passwordOf(url: string): string[] {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password, encodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}
