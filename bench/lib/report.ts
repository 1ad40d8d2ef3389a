// Results: printed as a table, and written as JSON plus a Markdown table (small files
// meant to be committed) under bench/results/, or a temporary directory for --smoke.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Machine {
  nproc: number;
  memory_gb: number;
  cpu_model: string;
  node: string;
  platform: string;
  commit: string;
  /** Uncommitted changes in the server's code when the run happened (others edit the tree too). */
  dirty_files: string[];
  /** 1-minute load average at the start and end: the machine is shared, so say how busy it was. */
  load_start: number;
  load_end?: number;
  date: string;
}

export function machine(): Machine {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? model;
  } catch {
    // Not Linux: os.cpus() is good enough.
  }
  let commit = "unknown";
  let dirty: string[] = [];
  try {
    const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    commit = git("rev-parse", "--short", "HEAD");
    // Each line is a status code, blanks, then the path (the first line's leading blank was trimmed).
    dirty = git("status", "--porcelain", "--", "src", "handlers").split("\n").filter(Boolean).map((l) => l.replace(/^\s*\S+\s+/, ""));
  } catch {
    // Not a git checkout.
  }
  return {
    nproc: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    cpu_model: model,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    commit,
    dirty_files: dirty,
    load_start: load1(),
    date: new Date().toISOString(),
  };
}

export type Cell = string | number | boolean | null | undefined;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

const fmt = (c: Cell) => (c === null || c === undefined ? "–" : typeof c === "number" ? (Number.isInteger(c) ? String(c) : c.toFixed(2)) : String(c));

export function markdownTable(t: Table): string {
  const head = `| ${t.columns.join(" | ")} |\n|${t.columns.map(() => "---").join("|")}|`;
  return `### ${t.title}\n\n${head}\n${t.rows.map((r) => `| ${r.map(fmt).join(" | ")} |`).join("\n")}\n`;
}

export function printTable(t: Table) {
  const cells = [t.columns, ...t.rows.map((r) => r.map(fmt))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  console.log(`\n${t.title}`);
  for (const r of cells) console.log("  " + r.map((c, i) => (c ?? "").padEnd(widths[i]!)).join("  "));
}

/** Where results go: bench/results/ for full runs, a fresh temporary directory for smoke runs. */
export function resultsDir(smoke: boolean): string {
  if (smoke) return mkdtempSync(join(tmpdir(), "chat-bench-smoke-"));
  const dir = fileURLToPath(new URL("../results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** JSON with small objects (a step, a latency summary) on one line: short files, readable diffs. */
function compactJson(v: unknown, indent = ""): string {
  const flat = JSON.stringify(v) ?? "null";
  if (flat.length <= 600 || typeof v !== "object" || v === null) return flat;
  const inner = indent + " ";
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + compactJson(x, inner)).join(",\n")}\n${indent}]`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, inner)}`).join(",\n")}\n${indent}}`;
}

export function writeResults(dir: string, name: string, data: { machine: Machine; [k: string]: unknown }, tables: Table[], notes: string[] = []) {
  const m = data.machine;
  m.load_end ??= load1();
  const tree = m.dirty_files.length ? ` + ${m.dirty_files.length} uncommitted files in src/ and handlers/` : "";
  const header = `# ${name}\n\n${m.date} · commit ${m.commit}${tree} · ${m.nproc} × ${m.cpu_model}, ${m.memory_gb} GB · Node ${m.node} · load average ${m.load_start} → ${m.load_end}\n`;
  const md = [header, ...tables.map(markdownTable), ...(notes.length ? ["Notes:\n", ...notes.map((n) => `- ${n}`)] : [])].join("\n");
  writeFileSync(join(dir, `${name}.json`), compactJson(data) + "\n");
  writeFileSync(join(dir, `${name}.md`), md + "\n");
  for (const t of tables) printTable(t);
  for (const n of notes) console.log(`  note: ${n}`);
  console.log(`\nresults: ${join(dir, `${name}.json`)} and ${name}.md`);
}

export const ratio = (ours: number, base: number) => (base > 0 ? Math.round((ours / base) * 100) / 100 : null);

/**
 * The results file name: `<base>` for a default full run, `<base>-smoke`, or `<base>-<flags>`
 * when flags change what is measured, so that a diagnostic run never overwrites the record.
 */
export function resultName(base: string, argv = process.argv.slice(2)): string {
  if (argv.includes("--smoke")) return `${base}-smoke`;
  const extra = argv.join(" ").replace(/--/g, "").replace(/,/g, "+").replace(/[^A-Za-z0-9.+]+/g, "-").replace(/^-|-$/g, "");
  return extra ? `${base}-${extra}` : base;
}

/** Command-line flags: `--smoke`, `--name value` / `--name=value`. */
export function flags(argv = process.argv.slice(2)) {
  const get = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    const a = argv[i]!;
    return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1];
  };
  return {
    smoke: argv.includes("--smoke"),
    num: (name: string, def: number) => Number(get(name) ?? def),
    list: (name: string, def: string[]) => (get(name)?.split(",") ?? def).filter(Boolean),
    str: (name: string, def: string) => get(name) ?? def,
  };
}

/**
 * Bounds the whole run: when the budget is spent, children are killed and the process
 * fails, so no load loop can outlive its benchmark.
 */
export function deadline(ms: number, onExpire: () => Promise<void>) {
  const t = setTimeout(() => {
    console.error(`benchmark exceeded its ${Math.round(ms / 1000)} s budget; stopping`);
    void onExpire().finally(() => process.exit(2));
  }, ms);
  t.unref();
  return t;
}

/** Ctrl-C or SIGTERM: stop every child, the database and Redis (which would outlive us), then exit. */
export function onInterrupt(cleanup: () => Promise<unknown>) {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      console.error(`${sig}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

/**
 * On a shared machine: waits, at most `budgetMs`, until the 1-minute load average is below
 * `maxLoad`, so a measurement does not start in the middle of someone else's test run.
 * Returns the load average it starts measuring at (recorded beside the figures).
 */
export async function waitForQuiet(maxLoad: number, budgetMs: number): Promise<number> {
  const until = Date.now() + budgetMs;
  if (load1() >= maxLoad && budgetMs > 0) console.log(`  load average ${load1()}: waiting up to ${Math.round(budgetMs / 1000)} s for it to fall below ${maxLoad}`);
  while (load1() >= maxLoad && Date.now() < until) await sleep(5000);
  return load1();
}

/** Ends the run with exit code 1, naming each broken case (lost, duplicated, errors...). */
export function exitIfBroken(broken: string[]) {
  if (!broken.length) return;
  console.error(`BROKEN:\n  ${broken.join("\n  ")}`);
  process.exit(1);
}
