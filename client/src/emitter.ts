// A minimal typed event emitter (no Node `events`, so the bundle runs in browsers as is).
// A listener that throws is reported on "error" listeners, never breaks the client's own
// processing of the event that called it.

/** Listener map: event name → listener signature. */
export type ListenerMap<M> = { [K in keyof M]: (...args: never[]) => void };

/** A typed emitter: `on` returns the function that removes the listener. */
export class Emitter<M extends ListenerMap<M>> {
  #listeners = new Map<keyof M, Set<M[keyof M]>>();
  #onListenerError: ((err: unknown) => void) | undefined;

  /** `onListenerError`: where an exception thrown by a listener goes. */
  constructor(onListenerError?: (err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof M>(event: E, listener: M[E]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener called at most once. */
  once<E extends keyof M>(event: E, listener: M[E]): () => void {
    const wrapper = ((...args: Parameters<M[E]>) => {
      off();
      (listener as (...a: Parameters<M[E]>) => void)(...args);
    }) as unknown as M[E];
    const off = this.on(event, wrapper);
    return off;
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof M>(event: E, listener: M[E]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Whether anything listens to `event` (lets the client skip building payloads). */
  has(event: keyof M): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  /** Calls every listener of `event`, in the order they were added. */
  emit<E extends keyof M>(event: E, ...args: Parameters<M[E]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<M[E]>) => void)(...args);
      } catch (err) {
        if (this.#onListenerError) this.#onListenerError(err);
        else queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
