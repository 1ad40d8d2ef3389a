// An account deletion killed with SIGKILL midway and finished after a restart (issue 15), on
// the real server process (node main.ts, embedded SQLite, one data file). The account has
// a few thousand messages, tombstoned one per page (ACCOUNT_DELETION_PAGE_SIZE=1) so that the
// messages step lasts long enough to be killed in; the server's debug log says where the job
// stands. After the kill the data file shows the job stopped in its messages step; the next
// start resumes it, and until it is done the partner reads none of the deleted text (history,
// latest, sync); at the end every message is a tombstone, every seq is kept, the user row is
// a tombstone and the phone number registers again.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { newId } from "../../src/shared/ids.ts";
import { openSqliteStorage } from "../../src/storage/sqlite/open.ts";
import { messagePaths } from "../support/conversations.ts";
import { buildCouple } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { freePort } from "../support/processes.ts";
import { TEST_SECRETS } from "../support/server.ts";

const OWN = 3000; // the deleted user's messages
const THEIRS = 300; // the partner's, which must stay as they are
const SECRET = "kill-secret";
const dataDir = mkdtempSync(join(tmpdir(), "chat-deletion-kill-"));
const dbFile = join(dataDir, "chat.sqlite");

interface Running {
  child: ChildProcess;
  url: string;
  /** Resolves with the first log record (pino JSON) `match` accepts, seen from now or before. */
  logged(match: (r: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  seen(match: (r: Record<string, any>) => boolean): boolean;
}
const running = new Set<ChildProcess>();
after(() => {
  for (const c of running) c.kill("SIGKILL");
});

/** `node main.ts` on the data directory, with its debug log parsed line by line. */
async function startServer(port: number): Promise<Running> {
  const child = spawn(process.execPath, ["main.ts"], {
    env: {
      PATH: process.env.PATH, NODE_ENV: "test", LOG_LEVEL: "debug", HOST: "127.0.0.1", PORT: String(port), DATA_DIR: dataDir,
      JWT_ACCESS_SECRET: TEST_SECRETS.access, JWT_REFRESH_SECRET: TEST_SECRETS.refresh, BCRYPT_ROUNDS: "4", SHUTDOWN_TIMEOUT_MS: "3000",
      REGISTER_MAX_PER_HOUR: "1000000", ACCOUNT_DELETION_PAGE_SIZE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const records: Record<string, any>[] = [];
  const waiters: { match: (r: Record<string, any>) => boolean; resolve: (r: Record<string, any>) => void }[] = [];
  let rest = "";
  let output = "";
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  child.stdout!.on("data", (c: Buffer) => {
    rest += c.toString();
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const line of parts) {
      if (!line.startsWith("{")) continue;
      const r = JSON.parse(line) as Record<string, any>;
      records.push(r);
      for (const w of waiters.filter((x) => x.match(r))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  });
  const logged = (match: (r: Record<string, any>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const found = records.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no such log line in ${timeoutMs} ms; stderr:\n${output}`)), timeoutMs);
      waiters.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`))));
  await Promise.race([logged((r) => r.msg === "listening", 30_000), exited]);
  exited.catch(() => {});
  return { child, url: `http://127.0.0.1:${port}`, logged, seen: (match) => records.some(match) };
}

function stop(s: Running, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.child.once("exit", () => resolve());
    s.child.kill(signal);
  });
}

/** The data file, opened while no server holds it. */
async function withStorage<T>(use: (s: Awaited<ReturnType<typeof openSqliteStorage>>) => Promise<T>): Promise<T> {
  const storage = await openSqliteStorage({ path: dbFile });
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

const finished = (r: Record<string, any>) => r.msg === "account deletion finished";
const page = (r: Record<string, any>) => r.msg === "account deletion: a page of messages tombstoned";

describe("account deletion killed with SIGKILL midway (real process, SQLite)", () => {
  it("finishes after the restart, serving nothing half-deleted in between", { timeout: 180_000 }, async () => {
    const port = await freePort();
    let server = await startServer(port);
    let http = api(server.url);
    const { a, b, chatId } = await buildCouple(http);
    const paths = messagePaths("couple", chatId);
    const key = `couple:${chatId}`;
    // Seeded through the repository while no server runs (as account-10k.test.ts does).
    await stop(server, "SIGTERM");
    await withStorage(async (s) => {
      const aCard = { id: a.id, username: a.username, display_name: a.display_name, avatar_url: null };
      const bCard = { id: b.id, username: b.username, display_name: b.display_name, avatar_url: null };
      for (let i = 0; i < OWN + THEIRS; i++) {
        const mine = i % 11 !== 10;
        await s.messages.append({
          id: newId(), conversation_key: key, client_message_id: `k-${i}`, sender_id: mine ? a.id : b.id, sender: mine ? aCard : bCard,
          text: mine ? `${SECRET} ${i}` : `from b ${i}`, kind: "text", media: null, sticker: null, reply_to: null, mode: null, created_at: new Date(),
        });
      }
    });
    const total = OWN + THEIRS;
    const own = Array.from({ length: total }, (_, i) => i % 11 !== 10).filter(Boolean).length;

    server = await startServer(port);
    http = api(server.url);
    const del = await http.call("DELETE", "/api/users/me", { token: a.token, json: { password: a.password } });
    assert.equal(del.status, 202, JSON.stringify(del.body));
    // Killed once the messages step is well under way.
    await server.logged((r) => page(r) && r.done >= 50);
    await stop(server, "SIGKILL");
    assert.equal(server.seen(finished), false, "killed before the end");

    const midway = await withStorage(async (s) => {
      const job = await s.accountDeletions.job(a.id);
      const rows = await s.messages.after(key, 0, total + 10);
      return { job, tombstoned: rows.filter((m) => m.sender_id === a.id && m.deleted).length };
    });
    assert.deepEqual([midway.job?.step, midway.job?.finished_at], ["messages", null], JSON.stringify(midway.job));
    assert.ok(midway.job?.cursor, "the job records where the pages stand");
    assert.ok(midway.tombstoned >= 50 && midway.tombstoned < own, `stopped midway: ${midway.tombstoned} of ${own}`);

    // The restart resumes the job; until it is done, b reads none of a's words.
    server = await startServer(port);
    http = api(server.url);
    await server.logged((r) => r.msg === "account deletion resumed" && r.user === a.id);
    let readsDuringJob = 0;
    while (!server.seen(finished)) {
      for (const path of [paths.latest(100), paths.history({ limit: 200, after_seq: 0 }), paths.history({ limit: 200 }), "/api/events/sync?since=0&limit=200"]) {
        const res = await http.get(path, b.token);
        assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`);
        assert.ok(!JSON.stringify(res.body).includes(SECRET), `${path} serves a's text before the deletion finished`);
      }
      if (!server.seen(finished)) readsDuringJob++;
    }
    assert.ok(readsDuringJob > 0, "some reads were served while the resumed job ran");
    console.log(`deletion-kill: ${midway.tombstoned} of ${own} tombstoned at the kill; ${readsDuringJob} read rounds during the resumed job`);

    // Done: every seq kept, a's messages tombstones, b's untouched; the phone registers again.
    const seqs: number[] = [];
    for (let after_seq = 0; ; ) {
      const got = (await http.get(paths.history({ limit: 200, after_seq }), b.token)).body.messages as any[];
      if (!got.length) break;
      for (const m of got) {
        seqs.push(m.seq);
        if (m.sender.id === a.id) assert.deepEqual([m.deleted, m.text, m.sender.display_name], [true, "", "Deleted user"]);
        else assert.equal(m.text.startsWith("from b"), true);
      }
      after_seq = got[got.length - 1].seq;
    }
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1));
    const again = await http.post("/api/auth/register", { phone: a.phone, password: "another password 1", display_name: "Again" });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.notEqual(again.body.user.id, a.id);
    await stop(server, "SIGTERM");

    await withStorage(async (s) => {
      assert.ok((await s.accountDeletions.job(a.id))?.finished_at, "the job finished");
      const row = await s.users.byId(a.id);
      assert.deepEqual([row?.phone, row?.display_name, row?.email, row?.suspension_reason], [`deleted:${a.id}`, "Deleted user", null, "account_deleted"]);
      const rows = await s.messages.after(key, 0, total + 10);
      assert.equal(rows.filter((m) => m.sender_id === a.id && !m.deleted).length, 0);
      assert.ok(!rows.some((m) => m.text.includes(SECRET)));
    });
  });
});
