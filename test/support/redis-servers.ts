import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './processes.js';

const run = promisify(execFile);

/**
 * A redis-server of the test's own (Debian's `redis-server`, checked by the global setup), on a
 * free loopback port, keeping nothing on disk. Never the shared one.
 */
export class OwnRedis {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'warden-redis-'));

  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  static async start(extraArgs: string[] = []): Promise<OwnRedis> {
    const server = new OwnRedis(await freePort(), extraArgs);
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again, on the same port, empty) and waits until it answers PING. */
  async startProcess(): Promise<void> {
    this.child = spawn(
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
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      try {
        await run('redis-cli', ['-p', String(this.port), 'ping']);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }

  /** Kills the server (SIGKILL: nothing is saved). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
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
      const port = await freePort();
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
