import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { DramatiqBroker } from '../../../lib/core/broker.js';

describe('credentials stay out of inspect and JSON', () => {
  it('util.inspect(broker) and JSON of its settings show no password, passphrase or key', () => {
    const broker = new DramatiqBroker({
      strategy: 'shared',
      url: 'amqps://app:Sup3rS3cretPw@rabbit.example:5671/prod',
      tls: { passphrase: 'pass-phrase-xyz', cert: 'CERT', key: 'PRIVATE-KEY-PEM-abc' },
    });
    const shown = inspect(broker, { depth: 10 }) + JSON.stringify(broker.settings);
    for (const secret of ['Sup3rS3cretPw', 'pass-phrase-xyz', 'PRIVATE-KEY-PEM-abc'])
      expect(shown).not.toContain(secret);
    // Still usable by the library itself.
    expect(broker.settings.connection.endpoints[0].url).toContain('Sup3rS3cretPw');
    expect(broker.settings.connection.tls?.passphrase).toBe('pass-phrase-xyz');
    expect(broker.settings.connection.secrets).toContain('Sup3rS3cretPw');
  });

  it('inspecting a connected broker shows a summary, not the connection manager (which holds the URL)', async () => {
    const broker = new DramatiqBroker({
      strategy: 'pooled',
      url: 'amqp://guest:guest@127.0.0.1:5672',
      connectionName: 'inspect-check',
    });
    try {
      await broker.connect();
      const shown = inspect(broker, { depth: 20 });
      expect(shown).toMatch(/^DramatiqBroker \{/);
      expect(shown).toContain("strategy: 'pooled'");
      expect(shown).not.toContain('guest:guest');
    } finally {
      await broker.close();
    }
  });
});
