// Counts operations in progress so a graceful shutdown can wait for them to finish.
// `idle` resolves on the next macrotask after the count reaches zero: the transports write
// their answer (an ack, a REST response) in a microtask after the operation, and that
// answer must go out before the shutdown closes the sockets.
export class InflightTracker {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count() {
    return this.#count;
  }

  async run<T>(op: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await op();
    } finally {
      this.#count--;
      if (this.#count === 0 && this.#waiters.length) setImmediate(() => this.#wake());
    }
  }

  #wake() {
    // An operation may have started since: wait for it too.
    if (this.#count === 0) for (const w of this.#waiters.splice(0)) w();
  }

  idle(timeoutMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
