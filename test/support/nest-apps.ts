import { afterEach } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DramatiqBroker } from '../../lib/core/broker.js';

/** A logger that keeps test output clean. */
export const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The Nest apps a test file starts: push each one here. After every test they are closed (their
 * workers stop first), then their queues are deleted and their connections closed.
 */
export function nestAppsClosedAfterEach(): INestApplication[] {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) {
      const broker = app.get(DramatiqBroker);
      await app.close();
      await broker.deleteAll().catch(() => undefined);
      await broker.close();
    }
  });
  return apps;
}
