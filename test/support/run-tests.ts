// `npm test`: makes sure the embedded database binary is built (once, before the test
// files run in parallel and would race to build it), then runs node's test runner.
import { spawnSync } from "node:child_process";
import { resolveEmbeddedDb } from "./ferretdb/binary.ts";

resolveEmbeddedDb((msg) => console.log(msg));

const files = process.argv.slice(2);
const args = [
  "--test",
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? "2"}`,
  "--test-timeout=120000",
  ...(files.length ? files : ["test/**/*.test.ts"]),
];
const res = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, NODE_ENV: "test" } });
process.exit(res.status ?? 1);
