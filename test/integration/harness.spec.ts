/**
 * Self-test of the integration-test harness (test/support): a private RabbitMQ node with TLS,
 * rabbitmqctl helpers and the fault-injecting TCP proxy. Needs RabbitMQ installed (and the
 * machine's own node on 127.0.0.1:5672 for the proxy part); see scripts/ensure-rabbitmq.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import type { ChannelModel } from 'amqplib';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PrivateRabbitNode } from '../support/private-rabbit-node.js';
import {
  deleteQueue,
  listConnections,
  listQueues,
  parseListConnections,
  parseListQueues,
  waitForConnections,
} from '../support/rabbitmqctl.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { makeTlsMaterial, type TlsMaterial } from '../support/tls-material.js';
import { waitFor, withTimeout } from '../support/wait.js';

const LONG = 120_000;
const AMQP_PORT = 5690;
const DIST_PORT = 25690;
const TLS_PORT = 5691;
const MAIN_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** Connections opened by a test; always closed in afterAll, errors swallowed. */
const opened = new Set<ChannelModel>();
async function connect(url: string, opts: Parameters<typeof amqplib.connect>[1] = {}): Promise<ChannelModel> {
  const c = await amqplib.connect(url, { timeout: 5_000, ...opts });
  c.on('error', () => undefined);
  opened.add(c);
  c.on('close', () => opened.delete(c));
  return c;
}
async function closeQuietly(c: ChannelModel | undefined): Promise<void> {
  if (!c) return;
  await withTimeout(c.close(), 5_000, 'connection close').catch(() => undefined);
  opened.delete(c);
}
/** Resolves with the error carried by the connection's 'close' event (undefined on a clean close). */
function nextClose(c: ChannelModel): Promise<Error | undefined> {
  return new Promise((resolve) => c.once('close', (err?: Error) => resolve(err)));
}

afterAll(async () => {
  await Promise.all([...opened].map((c) => closeQuietly(c)));
}, LONG);

describe('parsers for rabbitmqctl --formatter json (shapes captured from RabbitMQ 3.10.8)', () => {
  it('decodes client_properties triples, nested tables and arrays with duplicate keys', () => {
    const out = `[
{"name":"127.0.0.1:39356 -> 127.0.0.1:5672","user":"guest","ssl":false,"timeout":7,"client_properties":[["flag","bool",false],["nul","void","undefined"],["big","long",1234567890123],["arr","array",{"longstr":"a","byte":1,"longstr":"b","table":[["x","byte",2]]}],["connection_name","longstr","probe-é"],["capabilities","table",[["basic.nack","bool",true]]]],"peer_port":39356,"port":5672}
]
`;
    const [c] = parseListConnections(out);
    expect(c).toEqual({
      name: '127.0.0.1:39356 -> 127.0.0.1:5672',
      user: 'guest',
      ssl: false,
      timeout: 7,
      connectionName: 'probe-é',
      peerPort: 39356,
      port: 5672,
      clientProperties: {
        flag: false,
        nul: null,
        big: 1234567890123,
        arr: ['a', 1, 'b', { x: 2 }],
        connection_name: 'probe-é',
        capabilities: { 'basic.nack': true },
      },
    });
    expect(parseListConnections('[\n]\n')).toEqual([]);
  });

  it('decodes queue arguments', () => {
    const out = `[
{"name":"amq.gen-9x","durable":false,"auto_delete":false,"arguments":[],"messages":0,"type":"classic"}
,{"name":"probe.q","durable":true,"auto_delete":false,"arguments":[["x-max-priority","byte",10],["x-dead-letter-exchange","longstr",""],["x-list","array",{"longstr":"a","longstr":"b"}]],"messages":1,"type":"classic"}
]`;
    expect(parseListQueues(out)).toEqual([
      { name: 'amq.gen-9x', durable: false, autoDelete: false, arguments: {}, messages: 0, type: 'classic' },
      {
        name: 'probe.q',
        durable: true,
        autoDelete: false,
        arguments: { 'x-max-priority': 10, 'x-dead-letter-exchange': '', 'x-list': ['a', 'b'] },
        messages: 1,
        type: 'classic',
      },
    ]);
  });
});

describe('rabbitmqctl helpers against the main node', () => {
  const queue = `harness.ctl.${process.pid}`;
  afterAll(async () => {
    await deleteQueue(queue).catch(() => undefined);
  }, LONG);

  it(
    'lists a connection with its connection_name and heartbeat, and a queue with its arguments',
    async () => {
      const c = await connect(`${MAIN_URL}?heartbeat=7`, { clientProperties: { connection_name: 'harness-ctl' } });
      const ch = await c.createChannel();
      await ch.assertQueue(queue, { durable: true, arguments: { 'x-max-priority': 10, 'x-queue-type': 'classic' } });
      ch.sendToQueue(queue, Buffer.from('x'), { persistent: true });
      await ch.checkQueue(queue); // a round trip: the message has been routed

      const conns = await waitForConnections((cs) => cs.some((x) => x.connectionName === 'harness-ctl'));
      const mine = conns.find((x) => x.connectionName === 'harness-ctl')!;
      expect(mine).toMatchObject({ user: 'guest', ssl: false, timeout: 7, port: 5672 });
      expect(mine.clientProperties.product).toBe('amqplib');
      expect(typeof mine.peerPort).toBe('number');

      const q = (await listQueues()).find((x) => x.name === queue);
      expect(q).toEqual({
        name: queue,
        durable: true,
        autoDelete: false,
        arguments: { 'x-max-priority': 10, 'x-queue-type': 'classic' },
        messages: 1,
        type: 'classic',
      });

      await closeQuietly(c);
      expect(await deleteQueue(queue)).toBe(true);
      expect(await deleteQueue(queue)).toBe(false);
      await waitForConnections((cs) => !cs.some((x) => x.connectionName === 'harness-ctl'));
    },
    LONG,
  );
});

describe('PrivateRabbitNode with TLS (verify_peer, fail_if_no_peer_cert)', () => {
  let tmp: string;
  let tls: TlsMaterial;
  let node: PrivateRabbitNode | undefined;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ndb-harness-'));
    const t0 = Date.now();
    tls = await makeTlsMaterial(path.join(tmp, 'tls'));
    const tlsMs = Date.now() - t0;
    node = await PrivateRabbitNode.start({
      name: 'ndb-harness',
      port: AMQP_PORT,
      distPort: DIST_PORT,
      tls: { port: TLS_PORT, certs: tls },
    });
    // Timings for the record (see the comment in private-rabbit-node.ts).
    process.stderr.write(`[harness] TLS material ${tlsMs} ms, private node start ${node.timings.startMs} ms\n`);
  }, LONG);

  afterAll(async () => {
    await Promise.all([...opened].map((c) => closeQuietly(c)));
    if (node) {
      await node.stop();
      process.stderr.write(`[harness] private node stop ${node.timings.stopMs} ms\n`);
      await expect(fs.stat(node.dir)).rejects.toThrow();
    }
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }, LONG);

  it(
    'accepts amqps with a client certificate and lists the connection as ssl',
    async () => {
      const c = await connect(node!.amqpsUrl, {
        ca: tls.ca,
        cert: tls.clientCert,
        key: tls.clientKey,
        servername: 'localhost',
        clientProperties: { connection_name: 'harness-tls' },
      });
      const conns = await waitForConnections((cs) => cs.some((x) => x.connectionName === 'harness-tls'), node);
      expect(conns.find((x) => x.connectionName === 'harness-tls')).toMatchObject({
        ssl: true,
        user: 'guest',
        port: TLS_PORT,
      });
      await closeQuietly(c);
    },
    LONG,
  );

  it(
    'accepts the passphrase-protected client key',
    async () => {
      const c = await connect(node!.amqpsUrl, {
        ca: tls.ca,
        cert: tls.clientCert,
        key: tls.clientKeyEncrypted,
        passphrase: tls.clientKeyPassphrase,
        servername: 'localhost',
      });
      await closeQuietly(c);
    },
    LONG,
  );

  it(
    'refuses a TLS client without a certificate',
    async () => {
      const err = await connect(node!.amqpsUrl, { ca: tls.ca, servername: 'localhost' }).then(
        () => undefined,
        (e: Error) => e,
      );
      // (Not toBeInstanceOf(Error): errors made by Node's core modules come from another realm
      // than the test's own Error under Jest's vm modules.)
      expect(err).toBeDefined();
      process.stderr.write(`[harness] no client cert -> ${err!.message}\n`);
      // TLS 1.3: the server sends alert 116 after the client's handshake has finished.
      expect(String(err!.message)).toMatch(/certificate required|socket closed|ECONNRESET/i);
    },
    LONG,
  );

  it(
    'is rejected by a client that trusts another CA, and rejects a client certificate from another CA',
    async () => {
      const wrongCa = await connect(node!.amqpsUrl, {
        ca: tls.otherCa,
        cert: tls.clientCert,
        key: tls.clientKey,
        servername: 'localhost',
      }).then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(wrongCa?.code ?? wrongCa?.message).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|unable to verify|self.signed/i);

      const wrongClient = await connect(node!.amqpsUrl, {
        ca: tls.ca,
        cert: tls.otherClientCert,
        key: tls.otherClientKey,
        servername: 'localhost',
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(wrongClient).toBeDefined();
      process.stderr.write(
        `[harness] wrong CA -> ${wrongCa?.code} ${wrongCa?.message}; client cert from another CA -> ${wrongClient!.message}\n`,
      );
      expect(wrongClient!.message).toMatch(/unknown ca|socket closed|ECONNRESET/i);
    },
    LONG,
  );

  it(
    'refuses a second connection once the vhost connection limit is 1 ("Expected ConnectionOpenOk")',
    async () => {
      await waitForConnections((cs) => cs.length === 0, node);
      await node!.setVhostConnectionLimit(1);
      let first: ChannelModel | undefined;
      try {
        first = await connect(node!.amqpUrl, { clientProperties: { connection_name: 'harness-limit-1' } });
        const err = await connect(node!.amqpUrl).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.message).toMatch(/Expected ConnectionOpenOk/);
        process.stderr.write(`[harness] vhost limit -> ${err!.message}\n`);
        // The reason is only in the server log, which the node writes a little later.
        await waitFor(async () => /connection limit \(1\) is reached/.test(await node!.readLog()), {
          timeoutMs: 10_000,
          message: "'connection limit (1) is reached' in the node log",
        });
      } finally {
        await closeQuietly(first);
        await node!.setVhostConnectionLimit(null);
      }
      const again = await connect(node!.amqpUrl);
      await closeQuietly(again);
    },
    LONG,
  );

  it(
    'closeAllConnections gives clients CONNECTION_FORCED; stopApp/startApp restarts the broker',
    async () => {
      const c = await connect(node!.amqpUrl);
      const closed = nextClose(c);
      await waitForConnections((cs) => cs.length === 1, node);
      await node!.closeAllConnections('harness says bye');
      const err = await withTimeout(closed, 10_000, "'close' after close_all_connections");
      expect(err?.message).toMatch(/CONNECTION_FORCED/);

      const c2 = await connect(node!.amqpUrl);
      const closed2 = nextClose(c2);
      await node!.stopApp();
      expect((await withTimeout(closed2, 10_000, "'close' after stop_app"))?.message).toMatch(
        /CONNECTION_FORCED|shutdown/i,
      );
      await expect(connect(node!.amqpUrl)).rejects.toThrow(/ECONNREFUSED/);
      await node!.startApp();
      await closeQuietly(await connect(node!.amqpUrl));
    },
    LONG,
  );
});

describe('TcpProxy in front of the main node', () => {
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    proxy = await TcpProxy.start(5672);
  });
  afterAll(async () => {
    await Promise.all([...opened].map((c) => closeQuietly(c)));
    await proxy?.close();
    // Everything the proxy carried is gone from the main node too.
    await waitForConnections((cs) => !cs.some((x) => x.connectionName?.startsWith('harness-')));
  }, LONG);

  it(
    'cut() closes the client with "Unexpected close" and the broker drops the connection',
    async () => {
      const c = await connect(proxy!.amqpUrl(), { clientProperties: { connection_name: 'harness-proxy-cut' } });
      await waitForConnections((cs) => cs.some((x) => x.connectionName === 'harness-proxy-cut'));
      expect(proxy!.connectionCount).toBe(1);
      const closed = nextClose(c);
      proxy!.cut();
      const err = await withTimeout(closed, 10_000, "amqplib 'close' after cut()");
      expect(err?.message).toMatch(/Unexpected close/);
      expect(proxy!.connectionCount).toBe(0);
      await waitForConnections((cs) => !cs.some((x) => x.connectionName === 'harness-proxy-cut'));
    },
    LONG,
  );

  it(
    'reset() gives ECONNRESET',
    async () => {
      const c = await connect(proxy!.amqpUrl());
      const closed = nextClose(c);
      proxy!.reset();
      const err = (await withTimeout(closed, 10_000, "amqplib 'close' after reset()")) as
        NodeJS.ErrnoException | undefined;
      expect(err?.code ?? err?.message).toMatch(/ECONNRESET/);
    },
    LONG,
  );

  it(
    'blackhole(true) is only noticed by heartbeats',
    async () => {
      const c = await connect(`${proxy!.amqpUrl()}?heartbeat=1`);
      const closed = nextClose(c);
      proxy!.blackhole(true);
      try {
        const t0 = Date.now();
        const err = await withTimeout(closed, 15_000, "amqplib 'close' after blackhole");
        expect(err?.message).toMatch(/heartbeat/i);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
      } finally {
        proxy!.blackhole(false);
      }
    },
    LONG,
  );

  it(
    'setLatency() delays round trips; refuse() gives ECONNREFUSED until switched off',
    async () => {
      const c = await connect(proxy!.amqpUrl());
      const ch = await c.createChannel();
      proxy!.setLatency(150);
      const t0 = Date.now();
      await ch.assertExchange('amq.direct', 'direct', { durable: true }); // one round trip
      const rtt = Date.now() - t0;
      proxy!.setLatency(0);
      expect(rtt).toBeGreaterThanOrEqual(290);
      await closeQuietly(c);

      await proxy!.refuse(true);
      await expect(connect(proxy!.amqpUrl())).rejects.toThrow(/ECONNREFUSED/);
      await proxy!.refuse(false);
      await closeQuietly(await connect(proxy!.amqpUrl()));
      expect(proxy!.totalConnections).toBeGreaterThanOrEqual(5);
    },
    LONG,
  );
});

describe('TcpProxy against a local echo server (no broker)', () => {
  let echo: net.Server;
  let proxy: TcpProxy;
  const sockets = new Set<net.Socket>();
  beforeAll(async () => {
    echo = net.createServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    proxy = await TcpProxy.start((echo.address() as net.AddressInfo).port);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });
  function open(): Promise<{ sock: net.Socket; received: () => string; closed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(proxy.port, '127.0.0.1');
      sockets.add(sock);
      let data = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (data += d));
      sock.on('error', () => undefined);
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      sock.once('connect', () => resolve({ sock, received: () => data, closed }));
      sock.once('error', reject);
    });
  }

  it('keeps byte order while latency changes', async () => {
    const { sock, received } = await open();
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      proxy.setLatency(i % 2 === 0 ? 40 : 0);
      const msg = `m${i};`;
      expected.push(msg);
      sock.write(msg);
      await new Promise((r) => setTimeout(r, 2));
    }
    proxy.setLatency(0);
    await waitFor(() => received().length === expected.join('').length, {
      timeoutMs: 5_000,
      message: 'echo of 50 chunks',
    });
    expect(received()).toBe(expected.join(''));
    sock.destroy();
  });

  it('blackhole drops bytes but keeps sockets open; connections made meanwhile are dropped when it ends', async () => {
    const a = await open();
    proxy.blackhole(true);
    a.sock.write('lost');
    const b = await open(); // accepted, but nothing is forwarded
    b.sock.write('also lost');
    await new Promise((r) => setTimeout(r, 200));
    expect(a.received()).toBe('');
    expect(b.received()).toBe('');
    expect(a.sock.destroyed || b.sock.destroyed).toBe(false);
    proxy.blackhole(false);
    await withTimeout(b.closed, 5_000, 'held connection to be dropped');
    a.sock.write('back');
    await waitFor(() => a.received() === 'back', { timeoutMs: 5_000, message: 'echo after blackhole' });
    a.sock.destroy();
  });
});

describe('the main node is left clean', () => {
  it('has no harness connections', async () => {
    const conns = await listConnections();
    expect(conns.filter((x) => x.connectionName?.startsWith('harness-'))).toEqual([]);
  });
});
