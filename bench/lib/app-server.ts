// Child process: the real app (createApp with auth, database, adapter, metrics) started
// the way the tests start it, driven over IPC by a benchmark orchestrator.
import { startTestServer, type TestServer } from "../../test/support/server.ts";
import { serve, notify } from "./ipc.ts";
import { createProbe, fdLimit } from "./server-probe.ts";
import { installDbOpsProbe } from "./db-ops.ts";

const probe = createProbe();
const dbOps = process.env.BENCH_DB_OPS ? installDbOpsProbe() : undefined;
let server: TestServer | undefined;

serve({
  async start(args: { dbUri: string; redisUrl?: string; env?: Record<string, string> }) {
    server = await startTestServer({ dbUri: args.dbUri, ...(args.redisUrl ? { redisUrl: args.redisUrl } : {}), env: args.env ?? {} });
    return { url: server.url, adapter: server.app.adapterName, fd_limit: fdLimit(), pid: process.pid };
  },
  "probe.start": () => probe.start(),
  "probe.stop": () => probe.stop(),
  memory: () => probe.memory(),
  clients: () => server?.app.io.engine.clientsCount ?? 0,
  dbops: () => dbOps?.take() ?? [],
  async close() {
    await server?.close();
    server = undefined;
  },
});
notify("ready");
