// Keeps the benchmarks working: each one's --smoke run (tiny sizes, a few seconds) must
// exit 0, which it does only when messages arrive complete, in order and without errors.
// A failure here is either a broken benchmark or a server that loses, duplicates or
// errors under concurrent load; the output names which.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const scripts = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> }).scripts;

function run(file: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, "--smoke"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    // The benchmark bounds itself; this is the backstop if it ever hangs.
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("benchmark smoke runs", { concurrency: 1 }, () => {
  // The storm smoke run kills two node processes and waits for 300 clients each time;
  // growth fills a small SQLite database in-process and times each operation a few times;
  // push starts four servers (pushes off and on, in-process and Redis queue) for 2 s of sends each.
  for (const [name, budgetMs] of [["connections", 110_000], ["fanout", 110_000], ["dm", 110_000], ["storm", 170_000], ["growth", 70_000], ["push", 110_000]] as const) {
    it(`npm run bench:${name} -- --smoke exits 0`, { timeout: budgetMs + 10_000 }, async () => {
      assert.match(scripts[`bench:${name}`] ?? "", new RegExp(`node bench/${name}\\.ts`), `package.json has no bench:${name} script`);
      const { code, output } = await run(`bench/${name}.ts`, budgetMs);
      assert.equal(code, 0, `bench:${name} --smoke failed (exit ${code}):\n${output.split("\n").slice(-25).join("\n")}`);
    });
  }
});
