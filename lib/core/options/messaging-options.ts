import type { Middleware } from '../middleware/middleware.js';
import type { Topology, TopologyOptions } from '../topology/topology.js';

/** Options of the messaging layer: publishing, topology, middleware. */
export interface MessagingOptions {
  /** Queue of actors that name none. Default 'default'. */
  defaultQueueName?: string;
  /** Wait for RabbitMQ's publisher confirm before a send resolves. Default true. */
  confirmDelivery?: boolean;
  /** How long a send waits for its confirm, in ms. Default 5000. */
  confirmTimeout?: number;
  /** Attempts per send when the connection fails under it (a reconnect in between). Default 5. */
  maxEnqueueAttempts?: number;
  /** Sends waiting for a channel (while disconnected, say); beyond this a send fails at once. Default 10000. */
  maxBufferedMessages?: number;
  /** 'default' (DefaultDramatiqTopology), 'dlx-routing' (Dramatiq's own layout) or your own Topology instance. */
  topology?: 'default' | 'dlx-routing' | Topology;
  /** Options of the built-in topologies (ignored when `topology` is an instance). */
  maxPriority?: TopologyOptions['maxPriority'];
  maxDelayTime?: TopologyOptions['maxDelayTime'];
  deadMessageTtl?: TopologyOptions['deadMessageTtl'];
  queueType?: TopologyOptions['queueType'];
  /** Replaces the default middleware stack (see defaultMiddleware()). */
  middleware?: Middleware[];
  /** Bodies larger than this are dead-lettered without being parsed, in bytes. Default 16 MiB. */
  maxMessageBytes?: number;
}

export const MESSAGING_OPTION_KEYS = [
  'defaultQueueName',
  'confirmDelivery',
  'confirmTimeout',
  'maxEnqueueAttempts',
  'maxBufferedMessages',
  'topology',
  'maxPriority',
  'maxDelayTime',
  'deadMessageTtl',
  'queueType',
  'middleware',
  'maxMessageBytes',
] as const;
