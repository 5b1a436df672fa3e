import type { ManagedConnection } from './managed-connection.js';

/** The lease once its connection is up; a connection that cannot come up ends the lease. */
export async function whenConnected<L extends { discard(): Promise<void> }>(
  connection: ManagedConnection,
  lease: L,
): Promise<L> {
  try {
    await connection.ready();
  } catch (err) {
    await lease.discard();
    throw err;
  }
  return lease;
}
