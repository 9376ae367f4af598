import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * Settles like `call`, or rejects after `timeoutMs` whatever the client does (a stalled Redis
 * must not hang a request). A late outcome of `call` is swallowed. One promise and one timer per
 * call (it is on every request's path), the timer cleared as soon as `call` settles.
 */
export function withTimeout<T>(call: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Lua scripts run on an ioredis client (`Redis` or `Cluster`) with EVALSHA, and EVAL once when
 * Redis does not have the script (a new or flushed Redis; the EVAL caches it there). Keys first;
 * on a Cluster they must share a hash slot. The scripts are not registered on the client with
 * `defineCommand()`: ioredis copies every registered script onto each pipeline it makes, and
 * with `enableAutoPipelining` it makes one per event-loop turn that sends a command, which cost
 * more than the script call itself.
 */
export class RedisScripts<Name extends string> {
  private readonly scripts = new Map<Name, { lua: string; sha: string }>();

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly namespace: string,
    scripts: Record<Name, string>,
  ) {
    for (const [name, lua] of Object.entries<string>(scripts)) {
      this.scripts.set(name as Name, { lua, sha: createHash('sha1').update(lua).digest('hex') });
    }
  }

  run(name: Name, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    const script = this.script(name);
    return this.redis.evalsha(script.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return this.redis.eval(script.lua, keys.length, ...keys, ...args);
    });
  }

  /** As {@link run}, with every string of the reply as a Buffer (binary values). */
  runBuffer(name: Name, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    const script = this.script(name);
    // ioredis has `evalshaBuffer`/`evalBuffer` (a Buffer variant of every command) untyped.
    const client = this.redis as unknown as Record<'evalshaBuffer' | 'evalBuffer', ScriptCall>;
    return client
      .evalshaBuffer(script.sha, keys.length, ...keys, ...args)
      .catch((error: unknown) => {
        if (!isNoScript(error)) throw error;
        return client.evalBuffer(script.lua, keys.length, ...keys, ...args);
      });
  }

  private script(name: Name): { lua: string; sha: string } {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`No Redis script ${this.namespace}${name}`);
    return script;
  }
}

type ScriptCall = (...args: unknown[]) => Promise<unknown>;

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** How long the startup check waits for Redis, in ms. */
export const STARTUP_CHECK_TIMEOUT_MS = 3000;

/**
 * Waits (at most `timeoutMs` in all) for the client to be ready and answer PING; otherwise a
 * one-line boot error naming `who`, the last connection error and the fix. Used once at startup:
 * a wrong host, port, password or protocol (`rediss://` against plain Redis, a port that is not
 * Redis) fails the boot instead of a running app that answers every login 503.
 */
export async function checkRedis(
  redis: Redis | Cluster,
  who: string,
  timeoutMs: number = STARTUP_CHECK_TIMEOUT_MS,
): Promise<void> {
  let lastError: (Error & { code?: string }) | undefined;
  const onError = (error: Error) => {
    lastError = error;
  };
  redis.on('error', onError);
  const deadline = Date.now() + timeoutMs;
  try {
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    if (redis.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        timer.unref();
        redis.once('ready', done);
        function done() {
          clearTimeout(timer);
          redis.off('ready', done);
          resolve();
        }
      });
    }
    if (redis.status !== 'ready') throw lastError ?? new Error(`not ready (${redis.status})`);
    await withTimeout(redis.ping(), Math.max(deadline - Date.now(), 100), 'PING');
  } catch (error) {
    // The connection's own error says more than the command's ("Stream isn't writeable").
    const cause = lastError ?? (error as Error & { code?: string });
    const reason = [cause.code, cause.message].filter(Boolean).join(' ').replace(/\s+/g, ' ');
    throw new Error(
      `${who}: Redis did not answer PING within ${timeoutMs} ms (${reason}): check the ioredis client's host, port, password and protocol (redis:// for plain Redis, rediss:// only for TLS), or pass startupCheck: false to boot without this check`,
      { cause: error },
    );
  } finally {
    redis.off('error', onError);
  }
}
