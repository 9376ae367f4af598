import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';

/** One command as Redis's MONITOR reports it. */
export interface MonitoredCommand {
  /** `ip:port` of the connection that sent it, or `lua` for a command a script ran. */
  source: string;
  /** The command name (lower-cased) and its arguments. */
  args: string[];
}

/**
 * Watches every command a Redis server executes, on a plain socket of its own.
 *
 * Not ioredis's `monitor()`: it switches to monitoring mode one microtask after MONITOR's OK,
 * so monitor lines that arrive in the same TCP chunk as that OK (a busy server) are taken for
 * command replies and end in "Command queue state error". Here every line after the OK is
 * monitor output, whatever chunks it comes in.
 */
export class RedisMonitor {
  /** Every command executed since the monitor started, in order. */
  readonly commands: MonitoredCommand[] = [];
  private readonly waiters = new Map<string, () => void>();
  private buffered = '';
  /** OKs still to come before monitor output starts: AUTH's (if any), then MONITOR's. */
  private pendingOks = 1;

  private constructor(
    private readonly socket: Socket,
    private readonly side: Redis,
  ) {}

  static async start(url: string): Promise<RedisMonitor> {
    const parsed = new URL(url);
    const socket = createConnection({
      host: parsed.hostname || '127.0.0.1',
      port: Number(parsed.port || 6379),
    });
    socket.setEncoding('utf8');
    const monitor = new RedisMonitor(
      socket,
      new Redis(url, { enableReadyCheck: false, lazyConnect: true, maxRetriesPerRequest: 1 }),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (chunk: string) => monitor.receive(chunk, resolve, reject));
      const auth = parsed.password
        ? `AUTH ${parsed.username ? `${decodeURIComponent(parsed.username)} ` : ''}${decodeURIComponent(parsed.password)}\r\n`
        : '';
      if (auth) monitor.pendingOks = 2;
      socket.write(`${auth}MONITOR\r\n`);
    });
    return monitor;
  }

  /**
   * Resolves once the monitor has shown every command Redis executed before this call: a
   * marker ECHO sent afterwards on another connection is executed after them all.
   */
  async settle(timeoutMs = 5000): Promise<void> {
    const marker = `monitor-marker-${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve, reject) => {
      this.waiters.set(marker, resolve);
      timer = setTimeout(() => reject(new Error('MONITOR never showed the marker')), timeoutMs);
    });
    try {
      await this.side.echo(marker);
      await seen;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(marker);
    }
  }

  close(): void {
    this.socket.destroy();
    this.side.disconnect();
  }

  private receive(chunk: string, started: () => void, failed: (error: Error) => void): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\r\n')) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      if (line.startsWith('-')) {
        failed(new Error(`Redis refused MONITOR: ${line.slice(1)}`));
      } else if (this.pendingOks > 0) {
        if (line === '+OK' && --this.pendingOks === 0) started();
      } else {
        this.record(line);
      }
    }
  }

  /** `+<time> [<db> <source>] "<arg>" "<arg>" …`, arguments escaped like C strings. */
  private record(line: string): void {
    const head = /^\+\S+ \[\d+ ([^\]]+)\] /.exec(line);
    if (!head) return;
    const args = [...line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
      unescape(m[1]!),
    );
    if (args.length === 0) return;
    args[0] = args[0]!.toLowerCase();
    if (args[0] === 'echo' && args[1] !== undefined && this.waiters.has(args[1])) {
      this.waiters.get(args[1])!();
      return;
    }
    this.commands.push({ source: head[1]!, args });
  }
}

function unescape(quoted: string): string {
  return quoted.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escape: string) => {
    if (escape.startsWith('x') && escape.length === 3)
      return String.fromCharCode(parseInt(escape.slice(1), 16));
    return { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' }[escape] ?? escape;
  });
}
