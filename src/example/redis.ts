import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * The ioredis client the example app hands to nest-warden's Redis adapters: commands time out
 * after 1 s, a silent connection is replaced after 3 s, nothing is queued while disconnected
 * (an outage is an immediate error → 503, not a hang), and it reconnects on its own when Redis
 * comes back.
 */
export function createRedisClient(url: string): Redis {
  const logger = new Logger('Redis');
  let down = false;
  const client = new Redis(url, {
    commandTimeout: 1000,
    connectTimeout: 2000,
    // A connection that stops answering (hung server, black-holed network) is dropped and
    // re-established instead of waiting for TCP to notice.
    socketTimeout: 3000,
    // Commands issued in the same tick by concurrent requests go out in one write: on a busy
    // instance that saves a syscall (and its loopback/network work) per request.
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    lazyConnect: false,
  });
  // Log the transitions only, not every failed reconnect; never the URL (it may hold a password).
  client.on('error', (error: Error & { code?: string }) => {
    if (down) return;
    down = true;
    logger.warn(`Redis connection lost (${error.code ?? error.name}); retrying`);
  });
  client.on('ready', () => {
    if (down) logger.log('Redis connection restored');
    down = false;
  });
  return client;
}

/**
 * Resolves when the client is ready, or after `timeoutMs` if Redis is not reachable: the app
 * still boots, `/health` reports Redis down and Redis-backed requests get 503 until it returns.
 */
export async function waitForRedis(client: Redis, timeoutMs = 2000): Promise<Redis> {
  if (client.status === 'ready') return client;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
  return client;
}
