// `npm run db:copy -- --from <a> --to <b> [--batch 1000] [--state <file>]`: copies a whole
// deployment between storages (src/storage/copy-run.ts does the work and says how it
// resumes and verifies). An argument starting with mongodb:// or mongodb+srv:// is a
// MongoDB database, legacy+mongodb://… (source only) is a database in the previous
// release's layout (src/storage/mongo/legacy-source.ts), anything else a SQLite file.
//
// The resume checkpoint is a JSON file: `<target file>.copy-state.json` beside a SQLite
// target, `<DATA_DIR or ./data>/db-copy.<host>.<db>.copy-state.json` for a MongoDB target
// (--state overrides both). Exit status: 0 copied and verified, 1 a count mismatch (named)
// or an error, 2 a bad argument, 130 interrupted (run the same command again to resume).
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CopySource } from "./copy.ts";
import { CopyInterrupted, DEFAULT_BATCH, fileCheckpoint, runCopy, type CopyDestination } from "./copy-run.ts";

export const USAGE = `usage: npm run db:copy -- --from <source> --to <target> [--batch ${DEFAULT_BATCH}] [--state <file>]
  <source>, <target>: a SQLite file path, or mongodb://… / mongodb+srv://… (MongoDB or FerretDB);
  <source> may also be legacy+mongodb://host:port/db: a database of the previous release (mongoose layout)`;

export class UsageError extends Error {
  override name = "UsageError";
}

export type Endpoint = { kind: "sqlite"; path: string } | { kind: "mongo"; uri: string } | { kind: "legacy"; uri: string };

export function parseEndpoint(arg: string, option: "--from" | "--to"): Endpoint {
  if (arg.trim() === "") throw new UsageError(`${option}: is empty`);
  const legacy = arg.startsWith("legacy+");
  const rest = legacy ? arg.slice("legacy+".length) : arg;
  if (/^mongodb(\+srv)?:\/\//.test(rest)) {
    try {
      new URL(rest);
    } catch {
      throw new UsageError(`${option}: not a valid MongoDB URI: ${redact(arg)}`);
    }
    if (legacy && option === "--to") throw new UsageError("--to: the previous release's layout (legacy+mongodb://) can only be copied from, not to");
    return legacy ? { kind: "legacy", uri: rest } : { kind: "mongo", uri: rest };
  }
  if (legacy) throw new UsageError(`${option}: legacy+ must be followed by a mongodb:// URI, got ${redact(arg)}`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) throw new UsageError(`${option}: unknown URI scheme in ${redact(arg)} (expected mongodb://, mongodb+srv://, legacy+mongodb:// or a file path)`);
  return { kind: "sqlite", path: resolve(arg) };
}

/** A URI without its credentials, for messages and the checkpoint. */
function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, "//***@");
}

/** What identifies an endpoint (no credentials): names it in messages and in the checkpoint. */
export function describeEndpoint(e: Endpoint): string {
  if (e.kind === "sqlite") return `sqlite:${e.path}`;
  const u = new URL(e.uri);
  return `${e.kind === "legacy" ? "legacy+" : ""}${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
}

function defaultStatePath(to: Endpoint): string {
  if (to.kind === "sqlite") return `${to.path}.copy-state.json`;
  const u = new URL(to.uri);
  const name = `${u.host}.${u.pathname.replace(/^\//, "") || "chat"}`.replace(/[^A-Za-z0-9._-]+/g, "_");
  return resolve(process.env.DATA_DIR ?? "./data", `db-copy.${name}.copy-state.json`);
}

export interface CopyArgs {
  from: Endpoint;
  to: Endpoint;
  batch: number;
  state: string;
}

export function parseCopyArgs(argv: string[]): CopyArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        from: { type: "string" },
        to: { type: "string" },
        batch: { type: "string" },
        state: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.from === undefined) throw new UsageError("--from: is required");
  if (v.to === undefined) throw new UsageError("--to: is required");
  const from = parseEndpoint(v.from, "--from");
  const to = parseEndpoint(v.to, "--to");
  if (describeEndpoint(from).replace(/^legacy\+/, "") === describeEndpoint(to)) throw new UsageError("--from and --to: are the same database");
  let batch = DEFAULT_BATCH;
  if (v.batch !== undefined) {
    batch = Number(v.batch);
    if (!/^\d+$/.test(v.batch) || batch < 1 || batch > 100_000) throw new UsageError(`--batch: must be an integer from 1 to 100000, got ${JSON.stringify(v.batch)}`);
  }
  if (from.kind === "sqlite" && !existsSync(from.path)) throw new UsageError(`--from: no such SQLite file: ${from.path}`);
  return { from, to, batch, state: v.state !== undefined ? resolve(v.state) : defaultStatePath(to) };
}

interface Opened<T> {
  end: T;
  close(): Promise<void>;
}

async function openSource(e: Endpoint): Promise<Opened<CopySource>> {
  if (e.kind === "legacy") {
    const { openLegacySource } = await import("./mongo/legacy-source.ts");
    const src = await openLegacySource({ uri: e.uri });
    return { end: src, close: () => src.close() };
  }
  const storage = await openStorage(e);
  return { end: storage.copy, close: () => storage.close() };
}

async function openStorage(e: Exclude<Endpoint, { kind: "legacy" }>) {
  if (e.kind === "sqlite") {
    mkdirSync(dirname(e.path), { recursive: true });
    const { openSqliteStorage } = await import("./sqlite/open.ts");
    return openSqliteStorage({ path: e.path });
  }
  const { openMongoStorage } = await import("./mongo/open.ts");
  // A page is one bulk write of up to --batch rows, not a request's single operation: the
  // server's 5 s bound would cut it short on a slow server (FerretDB v1 scans the
  // collection for every upsert, so a page of 1000 into a large collection takes seconds).
  return openMongoStorage({ uri: e.uri, operationTimeoutMs: 120_000 });
}

async function openTarget(e: Endpoint): Promise<Opened<CopyDestination>> {
  if (e.kind === "legacy") throw new UsageError("--to: the previous release's layout can only be copied from");
  const storage = await openStorage(e);
  return { end: storage.copy, close: () => storage.close() };
}

/** A plain mongodb:// database in the previous release's layout: as a source it needs legacy+, as a target it would mix layouts. */
async function refuseMixedLayouts(args: CopyArgs): Promise<void> {
  const ends = [[args.from, "--from"], [args.to, "--to"]] as const;
  if (!ends.some(([e]) => e.kind === "mongo")) return;
  const { detectLegacyLayout } = await import("./mongo/legacy-source.ts");
  for (const [e, option] of ends) {
    if (e.kind !== "mongo") continue;
    const why = await detectLegacyLayout(e.uri);
    if (!why) continue;
    throw new UsageError(
      option === "--from"
        ? `--from: ${describeEndpoint(e)} is in the previous release's layout (${why}): copy it from legacy+${redact(e.uri)}`
        : `--to: ${describeEndpoint(e)} holds the previous release's layout (${why}): copy into another database`,
    );
  }
}

/** The error and its causes, one after the other (no stack: set DEBUG=1 for it). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; parts.length < 4; e = e.cause) {
    if (!(e instanceof Error)) {
      if (parts.length === 0) parts.push(String(e));
      break;
    }
    if (!parts.some((p) => p.includes(e.message))) parts.push(e.message);
  }
  return parts.join(": ");
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCopyArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`db:copy: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  const fromName = describeEndpoint(args.from);
  const toName = describeEndpoint(args.to);
  const log = (line: string) => console.log(`db:copy ${line}`);
  log(`from ${fromName} to ${toName}, ${args.batch} rows per page, checkpoint ${args.state}`);

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: string) => {
    if (++interrupts > 1) process.exit(130);
    log(`${signal}: stopping after the current page (again to stop now)`);
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const opened: Opened<unknown>[] = [];
  try {
    await refuseMixedLayouts(args);
    const source = await openSource(args.from);
    opened.push(source);
    const target = await openTarget(args.to);
    opened.push(target);
    const result = await runCopy(source.end, target.end, {
      batch: args.batch,
      log,
      checkpoint: fileCheckpoint(args.state),
      endpoints: { source: fromName, target: toName },
      signal: abort.signal,
    });
    const rows = result.tables.reduce((n, t) => n + t.copied, 0);
    if (!result.ok) {
      console.error(`db:copy: count mismatch in ${result.mismatches.join(", ")}: ${result.tables.filter((t) => !t.ok).map((t) => `${t.table}: ${t.problem}`).join("; ")}`);
      return 1;
    }
    log(`done: ${rows} rows in ${result.seconds.toFixed(1)} s (${result.seconds > 0 ? Math.round(rows / result.seconds) : 0} rows/s), every table verified`);
    return 0;
  } catch (err) {
    if (err instanceof CopyInterrupted) {
      console.error(`db:copy: ${err.message} (checkpoint: ${args.state})`);
      return 130;
    }
    if (err instanceof UsageError) {
      console.error(`db:copy: ${err.message}\n${USAGE}`);
      return 2;
    }
    console.error(`db:copy: failed: ${describeError(err)}`);
    if (process.env.DEBUG) console.error((err as Error).stack);
    if (opened.length === 2) console.error(`db:copy: what was copied is kept; run the same command again to resume (checkpoint: ${args.state})`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const o of opened.reverse()) await o.close().catch(() => {});
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
