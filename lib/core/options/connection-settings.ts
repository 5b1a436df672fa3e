import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';
import { describeAddress, redactUrl } from '../security/redact.js';
import type { ConnectionOptions, ConnectionRetryOptions, TlsOptions } from './broker-options.js';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_HEARTBEAT_SECONDS, DEFAULT_RETRY, DEFAULT_URL } from './defaults.js';
import {
  checkBoolean,
  checkCount,
  checkInteger,
  checkKnownKeys,
  checkNonEmptyString,
  checkPlainObject,
} from './option-checks.js';

/** One broker address, parsed once. `url` holds credentials and is never logged; `address` is safe to show. */
export interface Endpoint {
  readonly url: string;
  readonly address: string;
  readonly vhost: string;
  readonly tls: boolean;
}

export interface ResolvedTls {
  ca?: Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** Connection options after validation and defaults. */
export interface ConnectionSettings {
  readonly endpoints: readonly Endpoint[];
  readonly heartbeat: number;
  readonly connectTimeout: number;
  readonly coalesceWrites: boolean;
  readonly retry: Required<ConnectionRetryOptions>;
  readonly connectionName: string;
  readonly clientProperties: Record<string, unknown>;
  readonly tls?: ResolvedTls;
  /** Strings that must never reach logs, errors or health output. */
  readonly secrets: readonly string[];
}

export const CONNECTION_OPTION_KEYS = [
  'url',
  'heartbeat',
  'connectTimeout',
  'coalesceWrites',
  'retry',
  'connectionName',
  'clientProperties',
  'tls',
] as const;

const TLS_KEYS = [
  'ca',
  'cert',
  'key',
  'caFile',
  'certFile',
  'keyFile',
  'passphrase',
  'servername',
  'rejectUnauthorized',
];
const RETRY_KEYS = ['maxRetries', 'intervalStart', 'intervalStep', 'intervalMax'];

export function resolveConnectionSettings(options: ConnectionOptions): ConnectionSettings {
  const urls = options.url === undefined ? [DEFAULT_URL] : Array.isArray(options.url) ? options.url : [options.url];
  if (urls.length === 0) throw new InvalidBrokerOptionError('url', 'an AMQP URL or a non-empty list of them', urls);
  const endpoints = urls.map((url, i) => parseEndpoint(urls.length > 1 ? `url[${i}]` : 'url', url));

  const heartbeat = checkInteger('heartbeat', options.heartbeat ?? DEFAULT_HEARTBEAT_SECONDS, 0, 65535);
  const connectTimeout = checkInteger('connectTimeout', options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT, 1);
  const coalesceWrites = checkBoolean('coalesceWrites', options.coalesceWrites ?? true);
  const retry = resolveRetry(options.retry);
  const extra =
    options.clientProperties === undefined ? {} : checkPlainObject('clientProperties', options.clientProperties);
  // clientProperties.connection_name (the Python spelling) wins, so logs and health show what the server shows.
  const connectionName =
    extra.connection_name !== undefined
      ? checkNonEmptyString('clientProperties.connection_name', extra.connection_name)
      : options.connectionName === undefined
        ? hostname()
        : checkNonEmptyString('connectionName', options.connectionName);
  const tls = options.tls === undefined ? undefined : resolveTls(options.tls);
  if (tls && !endpoints.some((e) => e.tls)) {
    throw new InvalidBrokerOptionError(
      'tls',
      'an amqps:// URL to go with it (TLS is used only for amqps://)',
      'amqp:// only',
    );
  }

  const secrets: string[] = [];
  for (const url of urls) {
    const password = safePassword(url);
    if (password) secrets.push(password, encodeURIComponent(password));
  }
  if (tls?.passphrase) secrets.push(tls.passphrase);

  return hideSecret(
    {
      endpoints,
      heartbeat,
      connectTimeout,
      coalesceWrites,
      retry,
      connectionName,
      clientProperties: { ...extra, connection_name: connectionName },
      tls: tls && hideSecret(hideSecret({ ...tls }, 'passphrase', tls.passphrase), 'key', tls.key),
    },
    'secrets',
    secrets,
  ) as unknown as ConnectionSettings;
}

/** Adds a property that code can read but util.inspect and JSON.stringify do not show. */
function hideSecret<T extends object>(target: T, key: string, value: unknown): T {
  if (value !== undefined) Object.defineProperty(target, key, { value, enumerable: false, writable: false });
  else delete (target as Record<string, unknown>)[key];
  return target;
}

function parseEndpoint(option: string, url: unknown): Endpoint {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new InvalidBrokerOptionError(option, "an AMQP URL such as 'amqp://user:pass@host:5672/vhost'", url);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidBrokerOptionError(
      option,
      "an AMQP URL such as 'amqp://user:pass@host:5672/vhost'",
      redactUrl(url),
    );
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new InvalidBrokerOptionError(option, "a URL starting with 'amqp://' or 'amqps://'", redactUrl(url));
  }
  if (!parsed.hostname) {
    throw new InvalidBrokerOptionError(option, 'a URL with a host name', redactUrl(url));
  }
  const vhost = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : '/';
  // `url` carries the password: not enumerable, so util.inspect and JSON.stringify leave it out.
  return hideSecret(
    { address: describeAddress(url), vhost, tls: parsed.protocol === 'amqps:' },
    'url',
    url,
  ) as unknown as Endpoint;
}

function safePassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

function resolveRetry(retry: ConnectionRetryOptions | undefined): Required<ConnectionRetryOptions> {
  if (retry === undefined) return { ...DEFAULT_RETRY };
  checkKnownKeys('retry', checkPlainObject('retry', retry), RETRY_KEYS);
  return {
    maxRetries: checkCount('retry.maxRetries', retry.maxRetries ?? DEFAULT_RETRY.maxRetries, 0),
    intervalStart: checkInteger('retry.intervalStart', retry.intervalStart ?? DEFAULT_RETRY.intervalStart, 0),
    intervalStep: checkInteger('retry.intervalStep', retry.intervalStep ?? DEFAULT_RETRY.intervalStep, 0),
    intervalMax: checkInteger('retry.intervalMax', retry.intervalMax ?? DEFAULT_RETRY.intervalMax, 0),
  };
}

function resolveTls(tls: TlsOptions): ResolvedTls {
  checkKnownKeys('tls', checkPlainObject('tls', tls), TLS_KEYS);
  const fromFile = (option: string, path: unknown): Buffer => {
    const file = checkNonEmptyString(option, path);
    try {
      return readFileSync(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new InvalidBrokerOptionError(option, `a readable PEM file (${reason})`, file);
    }
  };
  const ca: Array<string | Buffer> = [];
  if (tls.ca !== undefined) ca.push(...(Array.isArray(tls.ca) ? tls.ca : [tls.ca]));
  if (tls.caFile !== undefined) {
    const files = Array.isArray(tls.caFile) ? tls.caFile : [tls.caFile];
    files.forEach((file, i) => ca.push(fromFile(files.length > 1 ? `tls.caFile[${i}]` : 'tls.caFile', file)));
  }
  if (tls.cert !== undefined && tls.certFile !== undefined) {
    throw new InvalidBrokerOptionError('tls.cert', 'either tls.cert or tls.certFile, not both', 'both');
  }
  if (tls.key !== undefined && tls.keyFile !== undefined) {
    throw new InvalidBrokerOptionError('tls.key', 'either tls.key or tls.keyFile, not both', 'both');
  }
  const cert = tls.certFile !== undefined ? fromFile('tls.certFile', tls.certFile) : tls.cert;
  const key = tls.keyFile !== undefined ? fromFile('tls.keyFile', tls.keyFile) : tls.key;
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidBrokerOptionError(
      'tls.key',
      'a client certificate and its key together (cert and key)',
      'only one of them',
    );
  }
  return {
    ca: ca.length > 0 ? ca : undefined,
    cert,
    key,
    passphrase: tls.passphrase === undefined ? undefined : checkNonEmptyString('tls.passphrase', tls.passphrase),
    servername: tls.servername === undefined ? undefined : checkNonEmptyString('tls.servername', tls.servername),
    rejectUnauthorized:
      tls.rejectUnauthorized === undefined ? true : checkBoolean('tls.rejectUnauthorized', tls.rejectUnauthorized),
  };
}
