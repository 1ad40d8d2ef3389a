// Child process: the real app (createApp with auth, storage, adapter, metrics) started
// the way the tests start it, driven over IPC by a benchmark orchestrator. The database
// comes in `env`: DATA_DIR/SQLITE_FILE (embedded SQLite) or MONGODB_URI (cluster mode).
import { startTestServer, type TestServer } from "../../test/support/server.ts";
import { serve, notify } from "./ipc.ts";
import { instrumentStorage } from "./repo-calls.ts";
import { createProbe, fdLimit } from "./server-probe.ts";

const probe = createProbe();
let server: TestServer | undefined;
let repoCalls: ReturnType<typeof instrumentStorage> | undefined;

serve({
  async start(args: { redisUrl?: string; env?: Record<string, string> }) {
    server = await startTestServer({ ...(args.redisUrl ? { redisUrl: args.redisUrl } : {}), env: args.env ?? {} });
    if (process.env.BENCH_REPO_CALLS) repoCalls = instrumentStorage(server.app.services.storage);
    return { url: server.url, adapter: server.app.adapterName, fd_limit: fdLimit(), pid: process.pid };
  },
  "probe.start": () => probe.start(),
  "probe.stop": () => probe.stop(),
  memory: () => probe.memory(),
  clients: () => server?.app.io.engine.clientsCount ?? 0,
  repoCalls: () => repoCalls?.take() ?? [],
  async close() {
    await server?.close();
    server = undefined;
  },
});
notify("ready");
