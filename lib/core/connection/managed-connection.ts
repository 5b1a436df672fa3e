import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import amqpConnectionManager from 'amqp-connection-manager';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { BrokerConnectionError } from '../errors/connection.errors.js';
import { BrokerClosedError } from '../errors/connection.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';
import type { ConnectionSettings, Endpoint } from '../options/connection-settings.js';
import { scrubSecrets } from '../security/redact.js';
import { classifyConnectionError } from './classify-connection-error.js';
import type { ConnectionInfo, ConnectionRole, ConnectionState } from './connection-info.js';
import { retryDelay } from './retry-policy.js';
import { coalesceSocketWrites } from './write-coalescing.js';
import type { ChannelRole } from './connection-holder.js';
import { ConsumerChannel } from './consumer-channel.js';
import type { ChannelHost, ManagedChannel } from './managed-channel.js';
import type { LeasedConnection } from './pool-lease.js';
import { ProducerChannel } from './producer-channel.js';
import { OperatorChannel } from './operator-channel.js';
import { QueueChannel } from './queue-channel.js';

/** How long a clean close may take before the socket is dropped. */
const CLOSE_TIMEOUT_MS = 3_000;

/** The TCP/TLS socket under the manager's current connection (amqplib keeps it as connection.stream). */
function socketOf(manager: AmqpConnectionManager): { destroy(): void } | undefined {
  const model = manager.connection as unknown as { connection?: { stream?: { destroy(): void } } } | undefined;
  return model?.connection?.stream;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export interface ConnectFailedEvent {
  attempt: number;
  error: BrokerConnectionError;
  /** Wait before the next attempt, or undefined when this was the last one. */
  nextDelayMs?: number;
}

/**
 * One AMQP connection that heals itself: amqp-connection-manager reconnects and restores
 * channels and consumers; this class adds what it lacks: linear backoff with a retry limit
 * (callers get the last error instead of waiting forever), the 60 s heartbeat default,
 * typed errors, a connection name, and a state others can read without touching the socket.
 *
 * Events: 'connected', 'connectFailed' (ConnectFailedEvent), 'disconnected' (error),
 * 'failed' (error), 'blocked' (reason), 'unblocked', 'closed', 'channelDead' (the
 * ManagedChannel whose channel closed while the connection stayed up: it stays closed).
 */
export class ManagedConnection extends EventEmitter implements ChannelHost, LeasedConnection {
  private manager?: AmqpConnectionManager;
  private currentState: ConnectionState = 'idle';
  private failures = 0;
  private waiters: Waiter[] = [];
  private endpoint?: Endpoint;
  private error?: BrokerConnectionError;
  private blockedBy?: string;
  private connectedAt?: Date;
  /** When the connection was lost (undefined while up, or before its first connect). */
  private lostAt?: number;

  constructor(
    private readonly settings: ConnectionSettings,
    readonly role: ConnectionRole,
    readonly id: string,
    readonly logger: BrokerLogger,
    /** Told of a loss and of the reconnect after it ('connectionLost', 'connectionRestored'). */
    private readonly events?: BrokerEvents,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** A summary for console.log / util.inspect: the manager underneath holds the URLs with passwords. */
  [inspect.custom](): string {
    return `ManagedConnection ${inspect(this.info())}`;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get isConnected(): boolean {
    return this.currentState === 'connected' || this.currentState === 'blocked';
  }

  get lastError(): BrokerConnectionError | undefined {
    return this.error;
  }

  /** Opens the connection if needed; resolves once connected, rejects with the last error when retries are spent. */
  ready(): Promise<void> {
    if (this.isConnected) return Promise.resolve();
    if (this.currentState === 'closed') return Promise.reject(new BrokerClosedError('a connection request'));
    const waiting = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.start();
    return waiting;
  }

  /**
   * A channel that is re-created after every reconnect: a ProducerChannel for the producer
   * role, a ConsumerChannel for the consumer role.
   */
  createChannel(role: 'producer', name: string): ProducerChannel;
  createChannel(role: 'consumer', name: string): ConsumerChannel;
  createChannel(role: ChannelRole, name: string): ManagedChannel;
  createChannel(role: ChannelRole, name: string): ManagedChannel {
    if (this.currentState === 'closed') throw new BrokerClosedError('a channel request');
    this.start();
    const wrapper = this.manager!.createChannel({ confirm: true, name });
    return role === 'producer' ? new ProducerChannel(wrapper, this, name) : new ConsumerChannel(wrapper, this, name);
  }

  /** A short-lived channel of its own, for queue declarations and administration. */
  openQueueChannel(): Promise<QueueChannel> {
    const connection = this.rawConnection;
    // Worded so that isConnectionGone() sees it: callers retry once the connection is back.
    if (!connection) return Promise.reject(new Error('The connection was lost before a queue channel could open.'));
    return QueueChannel.open(connection);
  }

  openOperatorChannel(): Promise<OperatorChannel> {
    const connection = this.rawConnection;
    // Worded so that isConnectionGone() sees it: callers retry once the connection is back.
    if (!connection) return Promise.reject(new Error('The connection was lost before an operator channel could open.'));
    return OperatorChannel.open(connection);
  }

  /** ChannelHost: a channel died while this connection stayed up. */
  channelDied(channel: ManagedChannel): void {
    this.emit('channelDead', channel);
  }

  /** The amqplib connection of the moment, for operations amqp-connection-manager does not wrap. */
  get rawConnection() {
    return this.isConnected ? this.manager?.connection : undefined;
  }

  info(): ConnectionInfo {
    return {
      id: this.id,
      role: this.role,
      name: this.settings.connectionName,
      state: this.currentState,
      address: this.endpoint?.address,
      channels: this.manager?.channelCount ?? 0,
      connectedSince: this.isConnected ? this.connectedAt : undefined,
      blockedReason: this.blockedBy,
      lastError: this.error?.message,
      lastErrorCode: this.error?.code,
    };
  }

  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.rejectWaiters(new BrokerClosedError('a connection request'));
    const manager = this.manager;
    this.manager = undefined;
    if (manager) {
      manager.removeAllListeners();
      manager.on('error', () => undefined);
      const socket = socketOf(manager);
      let timer: NodeJS.Timeout | undefined;
      const closed = manager.close().then(
        () => 'closed' as const,
        (err: Error) => {
          this.logger.warn(`Closing connection ${this.id}: ${this.scrub(err.message)}`);
          return 'closed' as const;
        },
      );
      // A blocked (or black-holed) connection never answers the close handshake: cut it.
      const outcome = await Promise.race([
        closed,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), CLOSE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.logger.warn(`Connection ${this.id} did not close within ${CLOSE_TIMEOUT_MS} ms; dropping its socket.`);
        socket?.destroy();
      }
    }
    this.emit('closed');
  }

  private start(): void {
    if (this.manager) return;
    const { settings } = this;
    this.failures = 0;
    this.currentState = 'connecting';
    const connectionOptions = {
      timeout: settings.connectTimeout,
      noDelay: true,
      clientProperties: settings.clientProperties,
      // key and passphrase are hidden (not enumerable) in the settings: copy them by name.
      ...(settings.tls ? { ...settings.tls, key: settings.tls.key, passphrase: settings.tls.passphrase } : {}),
    };
    const manager = amqpConnectionManager.connect(
      settings.endpoints.map((e) => ({ url: e.url, connectionOptions })),
      // Our default (60 s) replaces the library's 5 s one; 0 turns heartbeats off.
      { heartbeatIntervalInSeconds: settings.heartbeat, connectionOptions },
    );
    // Read by the manager before each wait; we set it as the backoff advances.
    manager.reconnectTimeInSeconds = retryDelay(1, settings.retry) / 1000;
    manager.on('connect', ({ url }) => this.onConnect(url));
    manager.on('connectFailed', ({ err, url }) => this.onConnectFailed(err, url));
    manager.on('disconnect', ({ err }) => this.onDisconnect(err));
    manager.on('blocked', ({ reason }) => this.onBlocked(reason));
    manager.on('unblocked', () => this.onUnblocked());
    this.manager = manager;
    manager.connect().catch(() => undefined); // outcomes arrive through the events above
  }

  private onConnect(url: unknown): void {
    if (this.settings.coalesceWrites) coalesceSocketWrites(this.manager?.connection);
    this.endpoint = this.findEndpoint(url);
    this.failures = 0;
    this.currentState = 'connected';
    this.connectedAt = new Date();
    this.blockedBy = undefined;
    if (this.manager) this.manager.reconnectTimeInSeconds = retryDelay(1, this.settings.retry) / 1000;
    this.logger.log(
      `Connected to ${this.endpoint?.address ?? 'RabbitMQ'} as "${this.settings.connectionName}" (${this.role} connection ${this.id})`,
    );
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    this.emit('connected');
    if (this.lostAt !== undefined) {
      const downtimeMs = Date.now() - this.lostAt;
      this.lostAt = undefined;
      if (this.events?.has('connectionRestored'))
        this.events.emit('connectionRestored', { connectionId: this.id, role: this.role, downtimeMs });
    }
  }

  private onConnectFailed(err: unknown, url: unknown): void {
    if (!this.manager) return;
    const endpoint = this.findEndpoint(url) ?? this.endpoint;
    const error = classifyConnectionError(err, endpoint, this.settings, 'connect');
    this.error = error;
    this.failures += 1;
    const { maxRetries } = this.settings.retry;
    // Wrong credentials do not heal by waiting: report them at once.
    const hopeless = error.code === 'AUTHENTICATION_FAILED';
    if (hopeless || this.failures > maxRetries) {
      this.emit('connectFailed', { attempt: this.failures, error } satisfies ConnectFailedEvent);
      this.giveUp(error);
      return;
    }
    const nextDelayMs = retryDelay(this.failures, this.settings.retry);
    this.manager.reconnectTimeInSeconds = nextDelayMs / 1000;
    this.logger.warn(
      `Connection attempt ${this.failures}${Number.isFinite(maxRetries) ? ` of ${maxRetries + 1}` : ''} (${this.role} ${this.id}) failed: ${error.message} Retrying in ${nextDelayMs} ms.`,
    );
    this.emit('connectFailed', { attempt: this.failures, error, nextDelayMs } satisfies ConnectFailedEvent);
  }

  private onDisconnect(err: unknown): void {
    if (this.currentState === 'closed') return;
    const error = classifyConnectionError(
      err ?? new Error('closed by the server'),
      this.endpoint,
      this.settings,
      'disconnect',
    );
    this.error = error;
    this.failures = 0;
    this.currentState = 'reconnecting';
    // Named by class (HeartbeatTimeoutError, ConnectionLostError...), as the docs quote it.
    this.logger.warn(`${error.name}: ${error.message} (${this.role} connection ${this.id})`);
    this.emit('disconnected', error);
    this.lostAt ??= Date.now();
    if (this.events?.has('connectionLost'))
      this.events.emit('connectionLost', { connectionId: this.id, role: this.role, error });
  }

  private onBlocked(reason: string): void {
    this.blockedBy = reason;
    if (this.isConnected) this.currentState = 'blocked';
    this.logger.warn(
      `RabbitMQ blocked ${this.role} connection ${this.id}: ${reason}. Publishing waits until the alarm clears.`,
    );
    this.emit('blocked', reason);
  }

  private onUnblocked(): void {
    this.blockedBy = undefined;
    if (this.currentState === 'blocked') this.currentState = 'connected';
    this.logger.log(`RabbitMQ unblocked ${this.role} connection ${this.id}.`);
    this.emit('unblocked');
  }

  private giveUp(error: BrokerConnectionError): void {
    const manager = this.manager;
    this.manager = undefined;
    this.currentState = 'failed';
    this.logger.error(
      `Giving up on ${this.role} connection ${this.id} after ${this.failures} attempt(s): ${error.message}`,
    );
    if (manager) {
      manager.removeAllListeners();
      // Let the manager finish the failure it is reporting, then cancel its pending retry.
      setImmediate(() => void manager.close().catch(() => undefined));
    }
    this.rejectWaiters(error);
    this.emit('failed', error);
  }

  private rejectWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private findEndpoint(url: unknown): Endpoint | undefined {
    const target = typeof url === 'object' && url !== null && 'url' in url ? (url as { url: string }).url : url;
    return this.settings.endpoints.find((e) => e.url === target);
  }

  scrub(text: string): string {
    return scrubSecrets(text, this.settings.secrets);
  }
}
