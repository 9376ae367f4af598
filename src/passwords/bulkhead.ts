/** Thrown by {@link Bulkhead.run} when the queue is full or the wait deadline passed. */
export class BulkheadRejectedError extends Error {
  constructor(readonly reason: 'queue-full' | 'deadline') {
    super(`bulkhead rejected: ${reason}`);
    this.name = 'BulkheadRejectedError';
  }
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * At most `maxConcurrent` tasks at once, at most `maxQueued` waiting, each waiting at most
 * `deadlineMs`. Used to keep Argon2 from taking every libuv threadpool thread and every
 * megabyte during a login flood.
 */
export class Bulkhead {
  private running = 0;
  private rejections = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
    private readonly deadlineMs: number,
  ) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Tasks refused since start (queue full or deadline passed), for metrics. */
  get rejected(): number {
    return this.rejections;
  }

  /** Runs `task` when a slot is free; rejects with {@link BulkheadRejectedError} otherwise. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueued) {
      this.rejections++;
      return Promise.reject(new BulkheadRejectedError('queue-full'));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          this.rejections++;
          reject(new BulkheadRejectedError('deadline'));
        }, this.deadlineMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) {
      next.start(); // the slot passes straight to the next waiter
    } else {
      this.running--;
    }
  }
}
