// Who is typing in one conversation: an indicator lasts until the typist stops, sends, or
// goes quiet for the TTL (a closed tab never says stop).
import { quietTimeout } from "./backoff.ts";
import type { Typist } from "./conversation-api.ts";

/** The typists of one conversation; `changed` runs when the list changes. */
export class TypingSet {
  #timers = new Map<string, { timer: ReturnType<typeof setTimeout>; username: string }>();
  #ttlMs: number;
  #changed: () => void;
  /** Ids, in the order they started. */
  ids: readonly string[] = [];
  /** Ids with usernames, in the same order. */
  users: readonly Typist[] = [];

  constructor(ttlMs: number, changed: () => void) {
    this.#ttlMs = ttlMs;
    this.#changed = changed;
  }

  start(userId: string, username: string): void {
    const had = this.#timers.get(userId);
    clearTimeout(had?.timer);
    this.#timers.set(userId, { timer: quietTimeout(() => this.stop(userId), this.#ttlMs), username });
    if (had?.username !== username) this.#publish();
  }

  stop(userId: string): void {
    const t = this.#timers.get(userId);
    if (t === undefined) return;
    clearTimeout(t.timer);
    this.#timers.delete(userId);
    this.#publish();
  }

  dispose(): void {
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    this.#timers.clear();
  }

  #publish() {
    this.ids = [...this.#timers.keys()];
    this.users = [...this.#timers].map(([user_id, t]) => ({ user_id, username: t.username }));
    this.#changed();
  }
}
