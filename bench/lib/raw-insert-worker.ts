// Load-generator child for the DM benchmark's reference: the database alone storing rows
// shaped and sized like our stored messages (a copy of one the server stored in this run,
// each with its own id, client_message_id and seq), with no app around it. What the app
// does per message beyond this one write (auth, validation, seq, event log, emits) is the
// cost being measured.
// - SQLite, the embedded default: node:sqlite INSERTs into the run's database file, into
//   its `messages` table (so the same columns and indexes), one autocommit transaction per
//   row, with the pragmas the server opens the file with (src/storage/sqlite/open.ts).
//   node:sqlite is synchronous: the K writers are K conversations written in turn.
// - FerretDB (`--db ferretdb`): the MongoDB driver that mongoose bundles, insertOne of the
//   stored document into a collection without secondary indexes, K concurrent loops.
import { randomBytes } from "node:crypto";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import mongoose from "mongoose";
import { Histogram } from "./histogram.ts";
import { notify, serve } from "./ipc.ts";

interface RunArgs {
  /** The SQLite file (embedded) or the MongoDB URI (FerretDB). */
  db: { path: string } | { uri: string };
  concurrency: number;
  durationMs: number;
}

const rowId = () => randomBytes(12).toString("hex");

function sqliteRun(path: string, a: RunArgs) {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA locking_mode = EXCLUSIVE");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  const sample = db.prepare("SELECT * FROM messages ORDER BY rowid DESC LIMIT 1").get();
  if (!sample) throw new Error("no stored message to copy for the raw reference");
  const columns = Object.keys(sample);
  const insert = db.prepare(`INSERT INTO messages (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
  const rowBytes = Object.values(sample).reduce<number>((n, v) => n + (typeof v === "string" ? Buffer.byteLength(v) : 8), 0);
  // One parameter array, its identity fields rewritten per row: the loop costs what the insert costs.
  const params = columns.map((c) => sample[c] as SQLInputValue);
  const at = (c: string) => columns.indexOf(c);
  const [ID, KEY, SEQ, CMID, CREATED] = [at("id"), at("conversation_key"), at("seq"), at("client_message_id"), at("created_at")];
  const hist = new Histogram();
  const seqs = new Array<number>(a.concurrency).fill(0);
  let inserted = 0;
  let errors = 0;
  const t0 = performance.now();
  for (let n = 0; performance.now() - t0 < a.durationMs; n++) {
    const k = n % a.concurrency;
    [params[ID], params[KEY], params[SEQ], params[CMID], params[CREATED]] = [rowId(), `raw:${process.pid}:${k}`, ++seqs[k]!, `raw-${n}`, Date.now()];
    const s = performance.now();
    try {
      insert.run(...params);
      inserted++;
      hist.record((performance.now() - s) * 1000);
    } catch {
      errors++;
    }
  }
  const ms = performance.now() - t0;
  db.close();
  return { inserted, errors, ms, latency: hist, rowBytes, mode: `node:sqlite INSERT into the run's messages table, one transaction per row, ${rowBytes}-byte rows` };
}

async function mongoRun(uri: string, a: RunArgs) {
  const client = new mongoose.mongo.MongoClient(uri);
  await client.connect();
  try {
    const found = await client.db().collection("messages").findOne({ sender_id: { $ne: "system" } });
    if (!found) throw new Error("no stored message to copy for the raw reference");
    const { _id, ...sample } = found;
    const coll = client.db().collection("bench_raw_messages");
    const hist = new Histogram();
    let inserted = 0;
    let errors = 0;
    const t0 = performance.now();
    const lane = async (k: number) => {
      for (let n = 0; performance.now() - t0 < a.durationMs; n++) {
        const doc = { ...sample, client_message_id: `raw-${process.pid}-${k}-${n}`, created_at: new Date() };
        const s = performance.now();
        try {
          await coll.insertOne(doc);
          inserted++;
          hist.record((performance.now() - s) * 1000);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: a.concurrency }, (_, k) => lane(k)));
    const ms = performance.now() - t0;
    const rowBytes = mongoose.mongo.BSON.calculateObjectSize(sample);
    return { inserted, errors, ms, latency: hist, rowBytes, mode: `MongoDB driver, ${a.concurrency} concurrent insertOne loops, ${rowBytes}-byte documents` };
  } finally {
    await client.close();
  }
}

serve({
  async run(a: RunArgs) {
    const r = "path" in a.db ? sqliteRun(a.db.path, a) : await mongoRun(a.db.uri, a);
    return { inserted: r.inserted, errors: r.errors, ms: Math.round(r.ms), per_s: Math.round(r.inserted / (r.ms / 1000)), latency: r.latency.toJSON(), row_bytes: r.rowBytes, mode: r.mode };
  },
});
notify("ready");
