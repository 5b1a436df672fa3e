/** Who uses a connection: the pooled strategy keeps producer and consumer pools; shared uses one for both. */
export type ConnectionRole = 'producer' | 'consumer' | 'shared';

export type ConnectionState =
  | 'idle' // created, nothing opened yet (connections are lazy)
  | 'connecting'
  | 'connected'
  | 'blocked' // RabbitMQ blocked publishing (resource alarm)
  | 'reconnecting' // lost, retrying
  | 'failed' // retries spent; the next use starts a fresh attempt
  | 'closed';

/** A snapshot for operators, tests and the health indicator. Holds no secrets. */
export interface ConnectionInfo {
  readonly id: string;
  readonly role: ConnectionRole;
  readonly name: string;
  readonly state: ConnectionState;
  /** Redacted address of the server in use (scheme, host, port, vhost). */
  readonly address?: string;
  readonly channels: number;
  readonly connectedSince?: Date;
  readonly blockedReason?: string;
  readonly lastError?: string;
  readonly lastErrorCode?: string;
}
