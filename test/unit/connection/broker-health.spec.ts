import { describe, expect, it } from '@jest/globals';
import type { ConnectionInfo } from '../../../lib/core/connection/connection-info.js';
import { assessHealth } from '../../../lib/core/health/broker-health.js';

const conn = (over: Partial<ConnectionInfo>): ConnectionInfo => ({
  id: 'c1',
  role: 'shared',
  name: 'n',
  state: 'connected',
  channels: 1,
  ...over,
});

describe('assessHealth', () => {
  it('is up when every connection is connected', () => {
    expect(assessHealth('shared', [conn({})]).status).toBe('up');
  });
  it('is down with the reason when a connection is lost', () => {
    const h = assessHealth('pooled', [
      conn({}),
      conn({ id: 'c2', state: 'reconnecting', lastError: 'The connection was lost: forced' }),
    ]);
    expect(h.status).toBe('down');
    expect(h.reason).toContain('c2 is reconnecting: The connection was lost: forced');
  });
  it('is degraded while RabbitMQ blocks a connection', () => {
    const h = assessHealth('shared', [conn({ state: 'blocked', blockedReason: 'low on memory' })]);
    expect(h).toMatchObject({ status: 'degraded', reason: expect.stringContaining('low on memory') });
  });
  it('is down when nothing was opened yet, and says why', () => {
    expect(assessHealth('shared', [])).toMatchObject({
      status: 'down',
      reason: expect.stringContaining('connectOnStartup'),
    });
  });
});
