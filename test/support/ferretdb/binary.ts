// Finds or builds the FerretDB binary for the cluster-mode tests. The Go program in go/ wraps
// FerretDB's embeddable package; it is built once into .cache/ and rebuilt only when
// its sources change. Without Go, a `mongod` on PATH is the fallback.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const sourceDir = join(dirname(fileURLToPath(import.meta.url)), "go");
const projectRoot = resolve(sourceDir, "../../../..");
export const ferretdbBinaryPath = join(projectRoot, ".cache", "bin", "ferretdb-embedded");

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function isStale(binary: string): boolean {
  if (!existsSync(binary)) return true;
  const built = statSync(binary).mtimeMs;
  return ["main.go", "go.mod", "go.sum"].some((f) => statSync(join(sourceDir, f)).mtimeMs > built);
}

export type EmbeddedDbKind = { kind: "ferretdb"; binary: string } | { kind: "mongod"; binary: string };

/** Returns the database server to run, building FerretDB when needed; throws saying what to install. */
export function resolveEmbeddedDb(log: (msg: string) => void = () => {}): EmbeddedDbKind {
  if (!isStale(ferretdbBinaryPath)) return { kind: "ferretdb", binary: ferretdbBinaryPath };
  if (onPath("go")) {
    log("building the embedded database (FerretDB) with go build; the first build takes a minute or two");
    mkdirSync(dirname(ferretdbBinaryPath), { recursive: true });
    const res = spawnSync("go", ["build", "-o", ferretdbBinaryPath, "."], {
      cwd: sourceDir,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CGO_ENABLED: "0" },
    });
    if (res.status !== 0) throw new Error("go build of the embedded FerretDB failed (see the output above)");
    return { kind: "ferretdb", binary: ferretdbBinaryPath };
  }
  if (existsSync(ferretdbBinaryPath)) return { kind: "ferretdb", binary: ferretdbBinaryPath };
  if (onPath("mongod")) return { kind: "mongod", binary: "mongod" };
  throw new Error(
    "No embedded database available: install Go (https://go.dev/dl, or `apt-get install golang`) so the " +
      "server can build FerretDB, or put `mongod` on PATH, or set MONGODB_URI to an existing MongoDB.",
  );
}
