// Load-generator child for the DM benchmark's reference: the raw MongoDB driver that
// mongoose bundles, inserting documents shaped and sized like our stored messages, with
// the same concurrency, into the same database. What the app does per message beyond
// this one insert (auth, validation, seq, event log, emits) is the cost being measured.
import mongoose from "mongoose";
import { Histogram } from "./histogram.ts";
import { notify, serve } from "./ipc.ts";

interface RunArgs {
  uri: string;
  concurrency: number;
  durationMs: number;
  /** A stored message (without _id) to copy; each insert gets its own client_message_id. */
  sample: Record<string, unknown>;
}

serve({
  async run(a: RunArgs) {
    const client = new mongoose.mongo.MongoClient(a.uri);
    await client.connect();
    const coll = client.db().collection("bench_raw_messages");
    const hist = new Histogram();
    let inserted = 0;
    let errors = 0;
    const t0 = performance.now();
    const lane = async (k: number) => {
      for (let n = 0; performance.now() - t0 < a.durationMs; n++) {
        const doc = { ...a.sample, client_message_id: `raw-${process.pid}-${k}-${n}`, created_at: new Date() };
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
    const bson = mongoose.mongo.BSON.calculateObjectSize(a.sample);
    await client.close();
    return { inserted, errors, ms: Math.round(ms), per_s: Math.round(inserted / (ms / 1000)), latency: hist.toJSON(), doc_bytes: bson };
  },
});
notify("ready");
