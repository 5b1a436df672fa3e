#!/usr/bin/env node
// `npx nestjs-dramatiq-broker ...`: the operator's command line (see docs/dead-letters.md).
import { runCli } from './run-cli.js';

void runCli(process.argv.slice(2), process.env, {
  out: (line) =>
    new Promise<void>((resolve, reject) => {
      // Waits for the pipe to drain: an export of a large q.XQ never piles up in memory.
      if (process.stdout.write(`${line}\n`)) resolve();
      else process.stdout.once('drain', resolve).once('error', reject);
    }),
  err: (line) => void process.stderr.write(`${line}\n`),
}).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    // A bug, not an operator's mistake: the stack helps whoever reports it.
    process.stderr.write(`Unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
