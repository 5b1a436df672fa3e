/**
 * Private RabbitMQ nodes for the reliability suite. Every fault is injected on a node of our own
 * (never on the machine's node at 127.0.0.1:5672, which other suites use at the same time).
 * Ports 5720-5760 (AMQP) and 25720-25760 (Erlang distribution) are reserved for this suite.
 */
import { randomBytes } from 'node:crypto';
import { PrivateRabbitNode, type PrivateRabbitNodeOptions } from '../../support/private-rabbit-node.js';

export const NODES = {
  cuts: { name: 'rel-cuts', port: 5720 },
  restart: { name: 'rel-restart', port: 5722 },
  heartbeat: { name: 'rel-hb', port: 5724 },
  alarm: { name: 'rel-alarm', port: 5726 },
  cluster1: { name: 'rel-c1', port: 5730 },
  cluster2: { name: 'rel-c2', port: 5731 },
  cluster3: { name: 'rel-c3', port: 5732 },
  shutdown: { name: 'rel-shut', port: 5734 },
  badInput: { name: 'rel-bad', port: 5736 },
  security: { name: 'rel-sec', port: 5738, tlsPort: 5739 },
} as const;

export function distPortFor(port: number): number {
  return port + 20_000;
}

/**
 * The application user of a scenario: a password no other string in the run contains, with
 * characters that must be percent-encoded in a URL ('@', ':', '/'), so a leak of either the raw or
 * the encoded form is caught.
 */
export interface AppUser {
  readonly user: string;
  readonly password: string;
  /** Every spelling of the password that must never show up in output. */
  readonly secretForms: readonly string[];
}

export function makeAppUser(user = 'rel-app'): AppUser {
  const password = `Rl${randomBytes(5).toString('hex')}-p@ss:w/rd`;
  return { user, password, secretForms: [password, encodeURIComponent(password)] };
}

export function amqpUrl(port: number, u: AppUser, vhost = ''): string {
  return `amqp://${encodeURIComponent(u.user)}:${encodeURIComponent(u.password)}@127.0.0.1:${port}${vhost ? `/${encodeURIComponent(vhost)}` : ''}`;
}

/** add_user + full permissions on vhost "/" (about 1 s: two rabbitmqctl calls). */
export async function addAppUser(node: PrivateRabbitNode, u: AppUser, vhost = '/'): Promise<void> {
  await node.ctl('-q', 'add_user', u.user, u.password);
  await node.ctl('-q', 'set_permissions', '-p', vhost, u.user, '.*', '.*', '.*');
}

export type NodeKey = keyof typeof NODES;

/** Starts the scenario's private node and creates its application user. */
export async function startScenarioNode(
  key: NodeKey,
  user: AppUser,
  extra: Partial<PrivateRabbitNodeOptions> = {},
): Promise<PrivateRabbitNode> {
  const spec = NODES[key];
  const node = await PrivateRabbitNode.start({
    name: spec.name,
    port: spec.port,
    distPort: distPortFor(spec.port),
    ...extra,
  });
  try {
    await addAppUser(node, user);
  } catch (e) {
    await node.stop().catch(() => undefined);
    throw e;
  }
  return node;
}
