import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './processes.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The kernel's ephemeral port range (`ip_local_port_range`), or Linux's default. */
function ephemeralPorts(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux: assume the default range
  }
  return [32768, 60999];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port (with `port + offset` free too, for a Cluster bus) BELOW the kernel's
 * ephemeral range. A port from `listen(0)` is an ephemeral one: while our server is down between
 * a kill and a restart, any outgoing connection or `listen(0)` on the machine (other suites'
 * clients, supertest's servers, our app's reconnect attempts) can be handed it, and redis-server
 * then fails to bind. The kernel never hands out a port outside that range.
 */
export async function stablePort(offsets: number[] = [0]): Promise<number> {
  const [low] = ephemeralPorts();
  const min = 10_000;
  const max = low - 1 - Math.max(...offsets);
  if (max <= min) return freePort(); // an unusual kernel setting: best effort
  for (let i = 0; i < 100; i++) {
    const port = randomInt(min, max + 1);
    const free = await Promise.all(offsets.map((offset) => bindable(port + offset)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no free loopback port between ${min} and ${max}`);
}

/** How long a start may take before it is an error, in ms. */
const START_DEADLINE_MS = 10_000;
/** Attempts to bind a port that another socket holds for now (a restart must reuse its port). */
const BIND_ATTEMPTS = 5;

/**
 * A redis-server of the test's own (Debian's `redis-server`, checked by the global setup), on a
 * free loopback port outside the ephemeral range, keeping nothing on disk. Never the shared one.
 */
export class OwnRedis {
  private child?: ChildProcess;
  private log = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'warden-redis-'));

  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  static async start(extraArgs: string[] = []): Promise<OwnRedis> {
    const server = new OwnRedis(await stablePort(), extraArgs);
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts (again, on the same port, empty) and waits until this very process answers on the
   * port (`INFO server` gives its pid). When the port is taken for now, retries with a backoff;
   * otherwise fails with redis-server's own log.
   */
  async startProcess(): Promise<void> {
    if (this.running()) throw new Error(`redis-server on ${this.port} is already running`);
    for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      if (await this.spawnAndWait()) return;
      if (!/address already in use/i.test(this.log)) break;
      await sleep(250 * attempt);
    }
    throw new Error(
      `redis-server on 127.0.0.1:${this.port} did not start; its output:\n${this.log.trim() || '(none)'}`,
    );
  }

  /** Kills the server (SIGKILL: nothing is saved) and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && !this.child.signalCode;
  }

  /** One start: true once the new process answers, false if it exited or never answered. */
  private async spawnAndWait(): Promise<boolean> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.log = '';
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + START_DEADLINE_MS;
    while (this.running() && Date.now() < deadline) {
      if ((await this.answeringPid()) === child.pid && this.running()) return true;
      await Promise.race([sleep(50), exited]);
    }
    await this.kill();
    return false;
  }

  /** The pid of the redis-server answering on the port, if one does. */
  private async answeringPid(): Promise<number | undefined> {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(this.port), 'info', 'server'], {
        timeout: 2000, // something else on the port may accept and never answer
      });
      const pid = /^process_id:(\d+)/m.exec(stdout)?.[1];
      return pid ? Number(pid) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A Redis Cluster of `masters` masters on loopback, joined with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<{
  nodes: { host: string; port: number }[];
  stop: () => Promise<void>;
}> {
  const servers: OwnRedis[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await stablePort([0, 10_000]); // the Cluster bus listens on port + 10000
      const server = new OwnRedis(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
      ]);
      await server.startProcess();
      servers.push(server);
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((s) => `127.0.0.1:${s.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const server of servers) {
      const client = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
      try {
        await client.connect();
        for (let i = 0; i < 100; i++) {
          const info = (await client.call('CLUSTER', 'INFO')) as string;
          if (info.includes('cluster_state:ok')) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        client.disconnect();
      }
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
