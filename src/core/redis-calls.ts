import type { Cluster, Redis } from 'ioredis';

/**
 * Settles like `call`, or rejects after `timeoutMs` whatever the client does (a stalled Redis
 * must not hang a request). A late outcome of `call` is swallowed.
 */
export async function withTimeout<T>(
  call: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
    call.catch(() => undefined);
  }
}

type ScriptCommand = (...args: unknown[]) => Promise<unknown>;

/**
 * Lua scripts registered on an ioredis client (`Redis` or `Cluster`) under `<namespace><name>`,
 * run with EVALSHA (EVAL on a script cache miss). Keys first; on a Cluster they must share a
 * hash slot.
 */
export class RedisScripts<Name extends string> {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly namespace: string,
    scripts: Record<Name, string>,
  ) {
    for (const [name, lua] of Object.entries<string>(scripts)) {
      if (!(`${namespace}${name}` in redis)) redis.defineCommand(`${namespace}${name}`, { lua });
    }
  }

  run(name: Name, keys: string[], args: (string | number)[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<string, ScriptCommand>)[
      `${this.namespace}${name}`
    ];
    return command.call(this.redis, keys.length, ...keys, ...args);
  }
}
