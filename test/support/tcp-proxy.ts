/**
 * A small fault-injecting TCP proxy (pure node:net) to put between a client and a broker.
 *
 *   const proxy = await TcpProxy.start(5672);
 *   amqplib.connect(`amqp://guest:guest@127.0.0.1:${proxy.port}`)
 *   proxy.cut()            // destroy both sides: amqplib sees "Unexpected close"
 *   proxy.reset()          // RST to the client: ECONNRESET
 *   proxy.blackhole(true)  // drop bytes both ways, keep sockets open: only heartbeats notice
 *   proxy.setLatency(200)  // delay every chunk by 200 ms, order preserved
 *   proxy.refuse(true)     // stop listening: new connects get ECONNREFUSED; refuse(false) reopens
 *   await proxy.close()
 *
 * Blackhole semantics: bytes are dropped (not buffered), and closes from the broker side are not
 * passed on to the client while the blackhole is on (a real black hole sends no FIN/RST either).
 * Connections accepted while it is on are held open without an upstream; when it is switched off
 * those, and any whose upstream went away meanwhile, are destroyed (their bytes are lost anyway).
 */
import net from 'node:net';

interface QueueItem {
  due: number;
  chunk: Buffer | null; // null = end of stream
}

/** One direction of a pair: forwards chunks from `from` to `to` with optional delay. */
class Pipe {
  private readonly queue: QueueItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDue = 0;

  constructor(
    private readonly proxy: TcpProxy,
    private readonly to: () => net.Socket | undefined,
  ) {}

  push(chunk: Buffer | null): void {
    if (this.proxy.isBlackholed && chunk !== null) return; // dropped
    const latency = this.proxy.latencyMs;
    if (latency <= 0 && this.queue.length === 0) {
      this.deliver(chunk);
      return;
    }
    const due = Math.max(Date.now() + latency, this.lastDue);
    this.lastDue = due;
    this.queue.push({ due, chunk });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.due - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.queue.length > 0 && this.queue[0]!.due <= now) {
        const item = this.queue.shift()!;
        if (this.proxy.isBlackholed && item.chunk !== null) continue;
        this.deliver(item.chunk);
      }
      this.schedule();
    }, wait);
  }

  private deliver(chunk: Buffer | null): void {
    const to = this.to();
    if (!to || to.destroyed) return;
    if (chunk === null) to.end();
    else to.write(chunk);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
  upstreamGone: boolean;
  toUpstream: Pipe;
  toClient: Pipe;
}

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private _port = 0;
  private _blackholed = false;
  private _latencyMs = 0;
  private _refusing = false;
  private _closed = false;
  private _totalConnections = 0;

  private constructor(
    readonly targetPort: number,
    readonly targetHost: string,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1', listenPort = 0): Promise<TcpProxy> {
    const p = new TcpProxy(targetPort, targetHost);
    await p.listen(listenPort);
    return p;
  }

  /** The port the proxy listens on (127.0.0.1). */
  get port(): number {
    return this._port;
  }
  get host(): string {
    return '127.0.0.1';
  }
  /** amqp:// URL through the proxy. */
  amqpUrl(user = 'guest', pass = 'guest', vhost = ''): string {
    return `amqp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this._port}${vhost ? `/${encodeURIComponent(vhost)}` : ''}`;
  }
  /** Client connections currently open through the proxy. */
  get connectionCount(): number {
    return this.pairs.size;
  }
  /** Client connections accepted since start. */
  get totalConnections(): number {
    return this._totalConnections;
  }
  get isBlackholed(): boolean {
    return this._blackholed;
  }
  get latencyMs(): number {
    return this._latencyMs;
  }
  get isRefusing(): boolean {
    return this._refusing;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer({ allowHalfOpen: false }, (client) => this.onConnection(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1' }, () => {
        server.removeListener('error', reject);
        server.on('error', () => undefined);
        this._port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private onConnection(client: net.Socket): void {
    if (this._closed || this._refusing) {
      client.destroy();
      return;
    }
    this._totalConnections++;
    client.setNoDelay(true);
    const pair: Pair = {
      client,
      upstreamGone: false,
      toUpstream: new Pipe(this, () => pair.upstream),
      toClient: new Pipe(this, () => pair.client),
    };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('data', (c: Buffer) => pair.toUpstream.push(c));
    client.on('end', () => pair.toUpstream.push(null));
    client.on('close', () => {
      this.pairs.delete(pair);
      pair.toUpstream.clear();
      pair.toClient.clear();
      pair.upstream?.destroy();
    });
    if (!this._blackholed) this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const up = net.connect({ port: this.targetPort, host: this.targetHost });
    pair.upstream = up;
    up.setNoDelay(true);
    up.on('error', () => undefined);
    up.on('data', (c: Buffer) => pair.toClient.push(c));
    up.on('end', () => {
      if (!this._blackholed) pair.toClient.push(null);
    });
    up.on('close', () => {
      pair.upstreamGone = true;
      // While black-holed the client must not notice anything.
      if (!this._blackholed) {
        // Let delayed data drain first when latency is on.
        if (this._latencyMs > 0) setTimeout(() => pair.client.destroy(), this._latencyMs + 10).unref();
        else pair.client.destroy();
      }
    });
  }

  /** Destroys every current connection (both sides; the client sees a FIN: "Unexpected close"). */
  cut(): void {
    for (const pair of [...this.pairs]) {
      pair.toUpstream.clear();
      pair.toClient.clear();
      pair.upstream?.destroy();
      pair.client.destroy();
      this.pairs.delete(pair);
    }
  }

  /** Sends a TCP RST to every current client (ECONNRESET) and drops the upstream sockets. */
  reset(): void {
    for (const pair of [...this.pairs]) {
      pair.toUpstream.clear();
      pair.toClient.clear();
      pair.upstream?.destroy();
      if (typeof pair.client.resetAndDestroy === 'function') pair.client.resetAndDestroy();
      else pair.client.destroy();
      this.pairs.delete(pair);
    }
  }

  /** Stops (on) or resumes (off) forwarding in both directions, keeping sockets open. */
  blackhole(on: boolean): void {
    if (this._blackholed === on) return;
    this._blackholed = on;
    if (!on) {
      for (const pair of [...this.pairs]) {
        if (!pair.upstream || pair.upstreamGone) {
          pair.client.destroy();
          this.pairs.delete(pair);
        }
      }
    }
  }

  /** Delays every forwarded chunk by `ms` (0 = off). Order is preserved. */
  setLatency(ms: number): void {
    this._latencyMs = Math.max(0, ms);
  }

  /**
   * refuse(true) closes the listener so new connects get ECONNREFUSED (existing connections stay);
   * refuse(false) listens again on the same port.
   */
  async refuse(on: boolean): Promise<void> {
    if (this._closed || this._refusing === on) return;
    this._refusing = on;
    if (on) {
      const s = this.server;
      this.server = undefined;
      // server.close() stops accepting at once; its callback waits for open connections, so do
      // not wait for it.
      s?.close();
    } else {
      await this.listen(this._port);
    }
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    if (this._closed) return;
    this._closed = true;
    this.cut();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
