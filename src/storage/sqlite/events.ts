import { randomUUID } from "node:crypto";
import type { EventRecord, EventRepository, NewEvent, StreamState } from "../../events/event.repository.ts";
import { asyncRepo, date, list, ms, num, parse, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function eventFromRow(r: Row): EventRecord {
  return {
    seq: num(r.seq),
    type: str(r.type),
    ns: str(r.ns),
    conversation_key: strOrNull(r.conversation_key),
    user_ids: parse<string[]>(r.user_ids),
    payload: parse<Record<string, unknown>>(r.payload),
    created_at: date(r.created_at),
  };
}

/** Writes the event at its position with its event_users rows, replacing one already there (db:copy). */
export function putEvent(db: SqliteDb, e: EventRecord, payload: string): void {
  db.tx(() => {
    const old = db.get("SELECT user_ids FROM events WHERE seq = ?", e.seq);
    if (old) for (const userId of parse<string[]>(old.user_ids)) db.run("DELETE FROM event_users WHERE user_id = ? AND seq = ?", userId, e.seq);
    db.run(
      "INSERT OR REPLACE INTO events (seq, type, ns, conversation_key, user_ids, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      e.seq, e.type, e.ns, e.conversation_key ?? null, list(e.user_ids ?? []), payload, ms(e.created_at),
    );
    for (const userId of new Set(e.user_ids ?? [])) db.run("INSERT OR IGNORE INTO event_users (user_id, seq) VALUES (?, ?)", userId, e.seq);
  });
}

/** The stream's single row, created with a fresh epoch the first time anyone asks. */
export function ensureStream(db: SqliteDb): StreamState {
  db.run("INSERT INTO stream (id, epoch, pruned_through) VALUES ('main', ?, 0) ON CONFLICT DO NOTHING", randomUUID());
  const r = db.get("SELECT epoch, pruned_through FROM stream WHERE id = 'main'")!;
  return { epoch: str(r.epoch), pruned_through: num(r.pruned_through) };
}

function head(db: SqliteDb): number {
  const r = db.get(
    "SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT pruned_through FROM stream WHERE id = 'main'), 0)) AS head",
  );
  return num(r?.head);
}

/** The payload as JSON text, or why it cannot be stored. */
function payloadText(e: NewEvent): string | Error {
  try {
    const text = JSON.stringify(e.payload);
    return typeof text === "string" ? text : new TypeError("event payload is not JSON");
  } catch (err) {
    return err instanceof Error ? err : new TypeError(String(err));
  }
}

export function sqliteEvents(db: SqliteDb): EventRepository {
  const repo: Sync<EventRepository> = {
    stream: () => ensureStream(db),
    head: () => head(db),
    append(events) {
      // Positions follow the highest one written or pruned, so a position is never reused
      // even after everything was pruned. One transaction for the batch.
      return db.tx(() => {
        let seq = head(db);
        return events.map((e) => {
          const payload = payloadText(e);
          if (payload instanceof Error) return payload;
          seq += 1;
          putEvent(db, { ...e, seq }, payload);
          return seq;
        });
      });
    },
    after(since, userId, conversationKeys, limit) {
      // Each source is an index range cut at `limit` (the user's via event_users, each
      // conversation's via events_conversation): only positions are read there, the
      // merge keeps the first `limit`, and only those rows are read in full.
      const seqs = new Set<number>();
      const take = (rows: Row[]) => rows.forEach((r) => seqs.add(num(r.seq)));
      take(db.all("SELECT seq FROM event_users WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?", userId, since, limit));
      for (const key of new Set(conversationKeys)) {
        take(db.all("SELECT seq FROM events WHERE conversation_key = ? AND seq > ? ORDER BY seq LIMIT ?", key, since, limit));
      }
      const wanted = [...seqs].sort((a, b) => a - b).slice(0, Math.max(0, limit));
      if (wanted.length === 0) return [];
      return db
        .all("SELECT * FROM events WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq", JSON.stringify(wanted))
        .map(eventFromRow);
    },
    prune(before) {
      return db.tx(() => {
        ensureStream(db);
        // The highest position created before the cut; everything at or below it goes, so
        // what remains is always the stream after pruned_through.
        // INDEXED BY: left alone, SQLite would walk seq down from the newest event, reading
        // everything that stays; the created_at range reads only what goes.
        const r = db.get("SELECT max(seq) AS seq FROM events INDEXED BY events_time WHERE created_at < ?", ms(before));
        if (r?.seq === null || r?.seq === undefined) return 0;
        const through = num(r.seq);
        const addressed = db.all("SELECT seq, user_ids FROM events WHERE seq <= ? AND user_ids != '[]'", through);
        for (const a of addressed) {
          for (const userId of parse<string[]>(a.user_ids)) db.run("DELETE FROM event_users WHERE user_id = ? AND seq = ?", userId, num(a.seq));
        }
        db.run("UPDATE stream SET pruned_through = max(pruned_through, ?) WHERE id = 'main'", through);
        return db.run("DELETE FROM events WHERE seq <= ?", through);
      });
    },
  };
  return asyncRepo(db, repo);
}
