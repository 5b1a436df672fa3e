/**
 * Async rabbitmqctl helpers. Without a node argument they target the machine's own broker
 * (127.0.0.1:5672, guest/guest); pass a PrivateRabbitNode (or any RabbitNodeHandle) to target a
 * private node.
 *
 * JSON shapes found with RabbitMQ 3.10.8 (`--formatter json`): the output is a JSON array, one
 * object per line (`[`, `{...}`, `,{...}`, `]`). AMQP field tables (client_properties, queue
 * arguments) are NOT JSON objects but lists of `[name, amqpType, value]` triples, e.g.
 *
 *   "client_properties": [["connection_name","longstr","probe-conn"],
 *                         ["capabilities","table",[["basic.nack","bool",true], ...]], ...]
 *   "arguments": [["x-max-priority","byte",10],["x-message-ttl","signedint",60000],
 *                 ["x-dead-letter-exchange","longstr",""]]      (no arguments: [])
 *
 * Nested tables repeat that shape. An AMQP array is rendered as a JSON *object* whose keys are
 * the element types, with duplicate keys: `["x-list","array",{"longstr":"a","longstr":"b"}]`.
 * JSON.parse would keep only the last duplicate, so this module uses its own small JSON parser
 * that keeps every key/value pair in order. A void value comes out as the string "undefined".
 */
import fs from 'node:fs';
import { run, RunError, type RunResult } from './exec.js';
import { waitFor } from './wait.js';

/** Where and how to run rabbitmqctl. */
export interface RabbitNodeHandle {
  /** rabbitmqctl executable. */
  readonly ctlPath: string;
  /** Passed as `-n nodeName` when set. */
  readonly nodeName?: string;
  /** Full environment for the CLI (a private node needs its own HOME: it holds the Erlang cookie). */
  readonly env?: NodeJS.ProcessEnv;
}
export type PrivateNodeHandle = RabbitNodeHandle;

/**
 * The machine's own node. As root, /usr/sbin/rabbitmqctl re-runs itself as user rabbitmq (whose
 * HOME holds the main node's cookie). Override with RABBITMQCTL=/path/to/rabbitmqctl.
 */
export const MAIN_NODE: RabbitNodeHandle = {
  ctlPath:
    process.env.RABBITMQCTL ?? (fs.existsSync('/usr/sbin/rabbitmqctl') ? '/usr/sbin/rabbitmqctl' : 'rabbitmqctl'),
};

export interface CtlOptions {
  /** Default 30 000 ms. */
  timeoutMs?: number;
}

function resolveNode(node?: RabbitNodeHandle): RabbitNodeHandle {
  return node ?? MAIN_NODE;
}

/** Runs rabbitmqctl and returns the full result, whatever the exit code. */
export async function ctlRaw(args: string[], node?: RabbitNodeHandle, opts: CtlOptions = {}): Promise<RunResult> {
  const n = resolveNode(node);
  const fullArgs = n.nodeName ? ['-n', n.nodeName, ...args] : args;
  return run(n.ctlPath, fullArgs, { env: n.env ?? process.env, timeoutMs: opts.timeoutMs ?? 30_000 });
}

/** Runs rabbitmqctl; resolves with stdout, rejects with a RunError on a non-zero exit or timeout. */
export async function ctl(args: string[], node?: RabbitNodeHandle, opts: CtlOptions = {}): Promise<string> {
  const r = await ctlRaw(args, node, opts);
  if (r.code !== 0 || r.timedOut) {
    const n = resolveNode(node);
    const why = r.timedOut ? 'timed out' : `exited with ${r.code ?? r.signal}`;
    const detail = (r.stderr.trim() || r.stdout.trim()).slice(0, 2_000);
    throw new RunError(`rabbitmqctl ${n.nodeName ? `-n ${n.nodeName} ` : ''}${args.join(' ')} ${why}: ${detail}`, r);
  }
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// A tiny JSON parser that keeps duplicate object keys (see the module comment).

/** A JSON object as an ordered list of key/value pairs (duplicates kept). */
export class JsonPairs {
  constructor(readonly entries: Array<[string, JsonValue]>) {}
}
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonPairs;

export function parseJsonKeepingDuplicates(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(
      `${what} at offset ${i} in rabbitmqctl JSON: ${JSON.stringify(text.slice(Math.max(0, i - 40), i + 40))}`,
    );
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = (): string => {
    // Find the closing quote (skipping escapes) and let JSON.parse decode the literal.
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<[string, JsonValue]> = [];
      ws();
      if (text[i] === '}') {
        i++;
        return new JsonPairs(entries);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        entries.push([k, value()]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return new JsonPairs(entries);
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return str();
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    return JSON.parse(m[0]) as JsonValue;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing data');
  return v;
}

/** Plain JS view of a parsed value (duplicate keys: last one wins, as with JSON.parse). */
export function toPlain(v: JsonValue): unknown {
  if (v instanceof JsonPairs) return Object.fromEntries(v.entries.map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

/** Decodes one `[type, value]` AMQP field value as rendered by rabbitmqctl's JSON formatter. */
export function decodeAmqpValue(type: string, v: JsonValue): unknown {
  switch (type) {
    case 'table':
      return decodeAmqpTable(v);
    case 'array':
      if (v instanceof JsonPairs) return v.entries.map(([t, x]) => decodeAmqpValue(t, x));
      if (Array.isArray(v)) {
        // Not seen in 3.10 (an empty array may show as []), but accept [[type, value], ...] too.
        return v.map((x) =>
          Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' ? decodeAmqpValue(x[0], x[1]) : toPlain(x),
        );
      }
      return toPlain(v);
    case 'void':
      return null; // rendered as the string "undefined"
    default:
      return toPlain(v);
  }
}

/**
 * Decodes an AMQP field table: `[[name, type, value], ...]` -> `{name: value}`. Also accepts
 * `[[name, value], ...]` (the Erlang proplist shape) and a plain JSON object, in case another
 * RabbitMQ version renders it that way.
 */
export function decodeAmqpTable(v: JsonValue | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (v === undefined || v === null || v === '') return out;
  if (v instanceof JsonPairs) {
    for (const [k, x] of v.entries) out[k] = toPlain(x);
    return out;
  }
  if (!Array.isArray(v)) return out;
  for (const item of v) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    if (item.length === 3 && typeof item[1] === 'string') out[item[0]] = decodeAmqpValue(item[1], item[2]);
    else if (item.length === 2) out[item[0]] = toPlain(item[1]);
  }
  return out;
}

/** Parses `rabbitmqctl ... --formatter json` output into rows (objects as JsonPairs). */
function parseRows(stdout: string): JsonPairs[] {
  const start = stdout.indexOf('[');
  if (start < 0) {
    if (stdout.trim() === '') return [];
    throw new SyntaxError(`rabbitmqctl did not print a JSON array: ${stdout.slice(0, 500)}`);
  }
  const parsed = parseJsonKeepingDuplicates(stdout.slice(start).trim());
  if (!Array.isArray(parsed)) throw new SyntaxError('rabbitmqctl JSON output is not an array');
  return parsed.filter((r): r is JsonPairs => r instanceof JsonPairs);
}

function field(row: JsonPairs, key: string): JsonValue | undefined {
  for (const [k, v] of row.entries) if (k === key) return v;
  return undefined;
}
function asNumber(v: JsonValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}
function asBool(v: JsonValue | undefined): boolean {
  return v === true || v === 'true';
}
function asString(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(toPlain(v));
}

// ---------------------------------------------------------------------------------------------
// Connections

export interface ConnectionInfo {
  /** e.g. "127.0.0.1:39090 -> 127.0.0.1:5672" */
  name: string;
  user: string;
  /** Negotiated heartbeat in seconds (0 = disabled). */
  timeout: number;
  ssl: boolean;
  /** client_properties.connection_name, when the client set one. */
  connectionName?: string;
  clientProperties: Record<string, unknown>;
  /** The client's local port. */
  peerPort?: number;
  /** The broker listener port the client connected to. */
  port?: number;
  /** Channels open on the connection, as the server counts them. */
  channels?: number;
}

export async function listConnections(node?: RabbitNodeHandle, opts: CtlOptions = {}): Promise<ConnectionInfo[]> {
  const out = await ctl(
    [
      '-q',
      'list_connections',
      '--formatter',
      'json',
      'name',
      'user',
      'ssl',
      'timeout',
      'client_properties',
      'peer_port',
      'port',
      'channels',
    ],
    node,
    opts,
  );
  return parseListConnections(out);
}

/** Exported for unit tests of the parser. */
export function parseListConnections(stdout: string): ConnectionInfo[] {
  return parseRows(stdout).map((row) => {
    const clientProperties = decodeAmqpTable(field(row, 'client_properties'));
    const cn = clientProperties.connection_name;
    return {
      name: asString(field(row, 'name')),
      user: asString(field(row, 'user')),
      timeout: asNumber(field(row, 'timeout')) ?? 0,
      ssl: asBool(field(row, 'ssl')),
      connectionName: typeof cn === 'string' ? cn : undefined,
      clientProperties,
      peerPort: asNumber(field(row, 'peer_port')),
      port: asNumber(field(row, 'port')),
      channels: asNumber(field(row, 'channels')),
    };
  });
}

/**
 * Closes every client connection on the node (all vhosts); clients get 320 CONNECTION_FORCED with
 * `reason`. The broker closes them asynchronously: use waitForConnectionCount to wait.
 */
export async function closeAllConnections(
  reason: string,
  node?: RabbitNodeHandle,
  opts: CtlOptions = {},
): Promise<void> {
  await ctl(['-q', 'close_all_connections', '--global', reason], node, opts);
}

/** Closes one connection by its `name` (as listed by listConnections). */
export async function closeConnection(
  name: string,
  reason: string,
  node?: RabbitNodeHandle,
  opts: CtlOptions = {},
): Promise<void> {
  await ctl(['-q', 'close_connection', name, reason], node, opts);
}

/** Polls listConnections until `predicate` holds; returns the last listing. */
export async function waitForConnections(
  predicate: (conns: ConnectionInfo[]) => boolean,
  node?: RabbitNodeHandle,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<ConnectionInfo[]> {
  let last: ConnectionInfo[] = [];
  await waitFor(
    async () => {
      last = await listConnections(node);
      return predicate(last);
    },
    {
      timeoutMs: opts.timeoutMs ?? 15_000,
      intervalMs: opts.intervalMs ?? 200,
      message: opts.message ?? 'connections to match',
    },
  );
  return last;
}

// ---------------------------------------------------------------------------------------------
// Queues

export interface QueueInfo {
  name: string;
  durable: boolean;
  autoDelete: boolean;
  /** Decoded x-arguments, e.g. {"x-max-priority": 10, "x-queue-type": "classic"}. */
  arguments: Record<string, unknown>;
  /** Ready + unacknowledged; 0 when the broker reports none (e.g. a queue that is down). */
  messages: number;
  /** classic | quorum | stream (RabbitMQ >= 3.8). */
  type?: string;
}

export async function listQueues(
  node?: RabbitNodeHandle,
  opts: CtlOptions & { vhost?: string } = {},
): Promise<QueueInfo[]> {
  const out = await ctl(
    [
      '-q',
      'list_queues',
      '-p',
      opts.vhost ?? '/',
      '--formatter',
      'json',
      'name',
      'durable',
      'auto_delete',
      'arguments',
      'messages',
      'type',
    ],
    node,
    opts,
  );
  return parseListQueues(out);
}

/** Exported for unit tests of the parser. */
export function parseListQueues(stdout: string): QueueInfo[] {
  return parseRows(stdout).map((row) => {
    const type = field(row, 'type');
    return {
      name: asString(field(row, 'name')),
      durable: asBool(field(row, 'durable')),
      autoDelete: asBool(field(row, 'auto_delete')),
      arguments: decodeAmqpTable(field(row, 'arguments')),
      messages: asNumber(field(row, 'messages')) ?? 0,
      type: typeof type === 'string' ? type : undefined,
    };
  });
}

/** Messages of `queue` delivered to a consumer and not yet acknowledged, as the server counts them. */
export async function unackedOnServer(queue: string, node?: RabbitNodeHandle): Promise<number> {
  const out = await ctl(['-q', 'list_queues', 'name', 'messages_unacknowledged'], node);
  const line = out.split('\n').find((l) => l.split('\t')[0] === queue);
  return line ? Number(line.split('\t')[1]) : 0;
}

/** Deletes a queue. Resolves true if it was deleted, false if it did not exist. */
export async function deleteQueue(
  name: string,
  node?: RabbitNodeHandle,
  opts: CtlOptions & { vhost?: string } = {},
): Promise<boolean> {
  const r = await ctlRaw(['-q', 'delete_queue', '-p', opts.vhost ?? '/', name], node, opts);
  if (r.code === 0 && !r.timedOut) return true;
  if (/not[_ ]found/i.test(r.stderr + r.stdout)) return false;
  throw new RunError(
    `rabbitmqctl delete_queue ${name} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${(r.stderr || r.stdout).trim()}`,
    r,
  );
}

/** Deletes every queue whose name starts with `prefix` (test clean-up). Returns the names deleted. */
export async function deleteQueuesWithPrefix(
  prefix: string,
  node?: RabbitNodeHandle,
  opts: { vhost?: string } = {},
): Promise<string[]> {
  const qs = await listQueues(node, opts);
  const doomed = qs.filter((q) => q.name.startsWith(prefix)).map((q) => q.name);
  for (const q of doomed) await deleteQueue(q, node, opts);
  return doomed;
}

// ---------------------------------------------------------------------------------------------
// Consumers

export interface ConsumerInfo {
  queue: string;
  prefetch: number;
}

/** Every consumer on the server: its queue and its own prefetch (basic.qos with global=false). */
export async function listConsumers(node?: RabbitNodeHandle): Promise<ConsumerInfo[]> {
  const out = await ctl(['-q', 'list_consumers', '--formatter', 'json', 'queue_name', 'prefetch_count'], node);
  return parseRows(out).map((row) => ({
    queue: asString(field(row, 'queue_name')),
    prefetch: asNumber(field(row, 'prefetch_count')) ?? 0,
  }));
}
