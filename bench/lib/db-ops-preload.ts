// Preload for node processes the benchmark does not drive over IPC (the storm's nodes run
// src/main.ts): `node --import bench/lib/db-ops-preload.ts`, with BENCH_DB_OPS_FILE set,
// times every database call by issuing line (db-ops.ts) and rewrites that file every 2 s
// with the totals so far, so even a node that is SIGKILLed leaves its figures.
import { writeFileSync } from "node:fs";
import { installDbOpsProbe } from "./db-ops.ts";

const file = process.env.BENCH_DB_OPS_FILE;
if (file) {
  const probe = installDbOpsProbe();
  const totals = new Map<string, { calls: number; total_ms: number; max_ms: number }>();
  setInterval(() => {
    for (const r of probe.take()) {
      const t = totals.get(r.op) ?? { calls: 0, total_ms: 0, max_ms: 0 };
      totals.set(r.op, { calls: t.calls + r.calls, total_ms: t.total_ms + r.total_ms, max_ms: Math.max(t.max_ms, r.max_ms) });
    }
    const rows = [...totals].map(([op, t]) => ({ op, ...t })).sort((a, b) => b.total_ms - a.total_ms);
    writeFileSync(file, JSON.stringify(rows, null, 1));
  }, 2000).unref();
}
