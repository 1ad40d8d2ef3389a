// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=<dir>, i.e. node --cpu-prof on the
// server children): self time by function and by package, and the app's own frames
// (src/, handlers/) by inclusive time, which is where a fix would go.
//   node bench/lib/cpuprofile-top.ts <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: node bench/lib/cpuprofile-top.ts <file.cpuprofile> [top]");
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, "utf8")) as Profile;

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules\/|src\/|handlers\/|bench\/)/, "$1").replace(/^node:/, "node:");
const where = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const pkg = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (/\/(src|handlers)\//.test(url)) return "app (src/, handlers/)";
  if (url.startsWith("node:") || url === "") return "node internals / native / GC";
  return short(url);
};

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const selfByFn = new Map<string, number>();
const selfByPkg = new Map<string, number>();
const inclusiveApp = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  add(selfByFn, where(n), us);
  add(selfByPkg, pkg(n.callFrame.url), us);
  // Charge this sample to every distinct app frame on its stack.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!;
    if (/\/(src|handlers)\//.test(f.callFrame.url)) {
      const k = where(f);
      if (!seen.has(k)) add(inclusiveApp, k, us);
      seen.add(k);
    }
  }
}

const show = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
show("self time by package", selfByPkg, 15);
show("self time by function", selfByFn, top);
show("inclusive time of the app's own functions", inclusiveApp, top);
