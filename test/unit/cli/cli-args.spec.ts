import { describe, expect, it } from '@jest/globals';
import { parseCli, UsageError } from '../../../lib/cli/cli-args.js';
import { runCli } from '../../../lib/cli/run-cli.js';
import { terminalJson, terminalSafe } from '../../../lib/cli/terminal-text.js';

const url = 'amqp://ops:pw@127.0.0.1:5672';

describe('CLI command line', () => {
  it('parses each command', () => {
    expect(parseCli(['dead-letters', 'list', '--queue', 'q', '--url', url, '--limit', '5'], {}).command).toEqual({
      name: 'list',
      queue: 'q',
      offset: 0,
      limit: 5,
      json: false,
    });
    expect(parseCli(['dead-letters', 'requeue', '--queue', 'q', '--id', 'a', '--id', 'b'], { AMQP_URL: url })).toEqual({
      command: { name: 'requeue', queue: 'q', ids: ['a', 'b'], all: false, resetRetries: false },
      url,
    });
    expect(parseCli(['queues', '--queue', 'a', '--queue', 'b', '--url', url], {}).command).toEqual({
      name: 'queues',
      queues: ['a', 'b'],
    });
    expect(parseCli([], {}).command).toEqual({ name: 'help' });
  });

  it.each([
    [['dead-letters', 'list', '--queue', 'q'], /no broker address/],
    [['dead-letters', 'list', '--queue', 'q', '--url', 'http://x'], /must start with amqp/],
    [['dead-letters', 'list', '--url', url], /exactly one --queue/],
    [['dead-letters', 'drop', '--queue', 'q', '--url', url], /one of list, show, requeue, purge, export/],
    [['dead-letters', 'requeue', '--queue', 'q', '--url', url], /--id .* or --all/],
    [['dead-letters', 'requeue', '--queue', 'q', '--url', url, '--all', '--id', 'x'], /--id .* or --all/],
    [['dead-letters', 'purge', '--queue', 'q', '--url', url], /--yes/],
    [
      ['dead-letters', 'list', '--queue', 'q', '--url', url, '--limit', '0'],
      /--limit must be an integer from 1 to 500/,
    ],
    [['dead-letters', 'list', '--queue', 'q', '--url', url, '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate', '--url', url], /unknown command "frobnicate"/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(UsageError);
    expect(() => parseCli(argv, {})).toThrow(message);
  });

  it('exits 2 on a usage error, with the usage on stderr', async () => {
    const err: string[] = [];
    const code = await runCli(
      ['dead-letters', 'purge', '--queue', 'q', '--url', url],
      {},
      { out: () => undefined, err: (l) => void err.push(l) },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--yes[\s\S]*Usage: nestjs-dramatiq-broker/);
  });

  it('escapes control characters of untrusted text before it reaches the terminal', () => {
    expect(terminalSafe('a\u001b[2Jb\nc\u009bd')).toBe('a\\u001b[2Jb\\u000ac\\u009bd');
    expect(terminalJson({ s: '\u001b\u009b' }, 2)).toBe('{\n  "s": "\\u001b\\u009b"\n}');
  });
});
