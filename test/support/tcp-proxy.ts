import type { AddressInfo, Server, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';

/**
 * A TCP proxy in front of a real service that a test can cut (every connection dropped, new
 * ones refused) and restore, to see what the app does when PostgreSQL or Redis goes away.
 * Never touches the shared service itself.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private stalled = false;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /**
   * A started proxy in front of the service a `redis://` or `postgres://` URL names, and that URL
   * pointed at the proxy instead (what an app under test is given).
   */
  static async inFrontOf(url: string): Promise<{ proxy: TcpProxy; url: string }> {
    const target = new URL(url);
    const defaultPort = target.protocol.startsWith('redis') ? 6379 : 5432;
    const proxy = new TcpProxy(target.hostname, Number(target.port) || defaultPort);
    target.host = `127.0.0.1:${await proxy.start()}`;
    return { proxy, url: target.toString() };
  }

  /** Starts listening on a free loopback port and returns it. */
  async start(): Promise<number> {
    this.server = createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      this.track(client);
      this.track(upstream);
      if (this.stalled) {
        client.pause();
        upstream.pause();
      }
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => client.write(chunk));
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  /** Drops every open connection and refuses new ones until {@link restore}. */
  cutAll(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * Keeps connections open but forwards nothing either way (a hung server: what was sent waits
   * in the socket buffers) until {@link restore}.
   */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  /** Accepts and forwards again; what waited during a stall goes through. */
  restore(): void {
    this.cut = false;
    this.stalled = false;
    for (const socket of this.sockets) socket.resume();
  }

  /** Stops listening and drops everything. */
  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
