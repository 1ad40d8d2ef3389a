// The durable event stream: each event written once, addressed to a conversation (its
// members read it) or to a list of users. Positions are 1, 2, 3... and become visible in
// order (a reader never sees N+1 before N), so sync needs no hole rule.
export interface EventRecord {
  seq: number;
  type: string;
  ns: string;
  conversation_key: string | null;
  user_ids: string[];
  /** Stored as JSON text: no key of it ever becomes a database field name. */
  payload: Record<string, unknown>;
  created_at: Date;
}

export type NewEvent = Omit<EventRecord, "seq">;

export interface StreamState {
  /** Identifies the stream; changes only if it is ever reset. */
  epoch: string;
  /** Everything at or below this position was pruned. */
  pruned_through: number;
}

export interface EventRepository {
  /** The stream's state, created (once, whatever the concurrency) on first use. */
  stream(): Promise<StreamState>;
  /** The highest position written (or pruned), 0 for an empty stream. */
  head(): Promise<number>;
  /**
   * Appends the events in order and returns their positions. An event whose payload cannot
   * be stored is rejected alone (its slot in the result is an Error); the others are written.
   */
  append(events: readonly NewEvent[]): Promise<(number | Error)[]>;
  /**
   * Up to `limit` events with position > since addressed to the user (in user_ids) or to
   * one of the conversations, ascending.
   */
  after(since: number, userId: string, conversationKeys: readonly string[], limit: number): Promise<EventRecord[]>;
  /** Deletes events created before `before` and records how far it pruned; returns how many went. */
  prune(before: Date): Promise<number>;
}
