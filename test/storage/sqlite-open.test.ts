// Opening the SQLite storage, with real processes: one process owns the file, a killed
// one leaves no lock and nothing it had not committed, and every file that cannot be
// used is refused at open with a message that names it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import { MIGRATIONS } from "../../src/storage/sqlite/migrations.ts";
import { openSqliteStorage } from "../../src/storage/sqlite/open.ts";

const OPEN_TS = pathToFileURL(join(import.meta.dirname, "../../src/storage/sqlite/open.ts")).href;
const LOCKED = /is in use by another server process \(SQLite lock\); stop it first or use another DATA_DIR/;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sqlite-open-"));
  dirs.push(dir);
  return dir;
}

after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Child {
  /** Resolves with everything printed so far once `text` has been printed. */
  printed(text: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
  kill(signal: NodeJS.Signals): void;
}

/** A real second process running `code` (an ES module; OPEN_TS is its openSqliteStorage). */
function child(code: string, opts: { uid?: number; gid?: number } = {}): Child {
  const script = `import { openSqliteStorage } from ${JSON.stringify(OPEN_TS)};\n${code}`;
  const p = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let out = "";
  const waiting: { text: string; resolve: (s: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiting.filter((w) => out.includes(w.text))) w.resolve(out);
  };
  p.stdout.on("data", onData);
  p.stderr.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    p.on("exit", (code, signal) => resolve({ code, signal, out })),
  );
  return {
    printed: (text) =>
      Promise.race([
        new Promise<string>((resolve) => (out.includes(text) ? resolve(out) : waiting.push({ text, resolve }))),
        exited.then((e) => Promise.reject(new Error(`child exited (${e.code ?? e.signal}) before printing ${text}:\n${e.out}`))),
      ]),
    exited,
    kill: (signal) => p.kill(signal),
  };
}

/** How the child reports the error its open failed with. */
const TRY_OPEN = (path: string) => `
  try { const s = await openSqliteStorage({ path: ${JSON.stringify(path)}, busyTimeoutMs: 100 }); await s.close(); console.log("OPENED"); }
  catch (e) { console.log("FAILED: " + e.message); }`;

test("a second process cannot open the file while the first holds it", async () => {
  const path = join(tempDir(), "db.sqlite");
  const s = await openSqliteStorage({ path });
  try {
    const { out } = await child(TRY_OPEN(path)).exited;
    assert.match(out, /FAILED: /);
    assert.ok(out.includes(path), out);
    assert.match(out, LOCKED);
  } finally {
    await s.close();
  }
  // Closing released it.
  assert.match((await child(TRY_OPEN(path)).exited).out, /OPENED/);
});

test("a SIGKILL mid-transaction leaves no lock, keeps what was committed and nothing of the rest", async () => {
  const path = join(tempDir(), "db.sqlite");
  // The child commits 5 messages and 10 events, then appends 20,000 events in one
  // transaction whose last payload blocks while being serialized: killed right there,
  // with megabytes of the transaction already spilled into the WAL.
  const holder = child(`
    import { writeSync } from "node:fs";
    const s = await openSqliteStorage({ path: ${JSON.stringify(path)} });
    const key = "dm:a|b";
    await s.conversations.ensure({ key, type: "dm", public_id: "d", mode: null, created_at: new Date() }, [{ user_id: "a", role: "member" }]);
    for (let i = 1; i <= 5; i++) {
      await s.messages.append({ id: "m" + i, conversation_key: key, client_message_id: "c" + i, sender_id: "a",
        sender: { id: "a", username: "a", display_name: "A", avatar_url: null }, text: "t", kind: "text",
        media: null, sticker: null, reply_to: null, mode: null, created_at: new Date() });
    }
    const event = (payload) => ({ type: "t", ns: "/", conversation_key: key, user_ids: ["a"], payload, created_at: new Date() });
    await s.events.append(Array.from({ length: 10 }, (_, i) => event({ i })));
    const block = { toJSON() { writeSync(1, "IN-TRANSACTION\\n"); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); } };
    const filler = "x".repeat(500);
    await s.events.append([...Array.from({ length: 20000 }, (_, i) => event({ i, filler })), event({ block })]);
    console.log("NOT REACHED");
  `);
  await holder.printed("IN-TRANSACTION");
  assert.ok(statSync(`${path}-wal`).size > 2_000_000, "the open transaction should have spilled into the WAL");

  await assert.rejects(openSqliteStorage({ path, busyTimeoutMs: 100 }), (e: Error) => LOCKED.test(e.message) && e.message.includes(path));

  holder.kill("SIGKILL");
  assert.equal((await holder.exited).signal, "SIGKILL");

  const s = await openSqliteStorage({ path });
  try {
    assert.deepEqual((await s.messages.latest("dm:a|b", 100)).map((m) => m.seq), [1, 2, 3, 4, 5]);
    assert.equal((await s.conversations.byKey("dm:a|b"))?.last_seq, 5);
    assert.equal(await s.events.head(), 10);
    assert.equal((await s.events.after(0, "a", [], 100_000)).length, 10);
    // The stream goes on from the last committed position.
    assert.deepEqual(await s.events.append([{ type: "t", ns: "/", conversation_key: null, user_ids: [], payload: {}, created_at: new Date() }]), [11]);
  } finally {
    await s.close();
  }
});

test("a database written by a newer server is refused", async () => {
  const path = join(tempDir(), "db.sqlite");
  await (await openSqliteStorage({ path })).close();
  const raw = new DatabaseSync(path);
  raw.exec("PRAGMA user_version = 999");
  raw.close();
  await assert.rejects(openSqliteStorage({ path }), {
    message: `${path} was written by a newer server (schema 999, this server knows ${MIGRATIONS.length}); upgrade the server`,
  });
});

test("a database of the first schema is migrated in place, its rows kept", async () => {
  const path = join(tempDir(), "db.sqlite");
  const raw = new DatabaseSync(path);
  raw.exec(MIGRATIONS[0]!);
  raw.exec("PRAGMA user_version = 1");
  raw.exec("INSERT INTO members (conversation_key, user_id, role, joined_at, read_seq) VALUES ('dm:a|b', 'u1', 'member', 1, 3)");
  raw.close();
  const s = await openSqliteStorage({ path });
  try {
    const m = await s.conversations.member("dm:a|b", "u1");
    assert.equal(m?.read_seq, 3);
  } finally {
    await s.close(); // the server holds the file exclusively while open
  }
  assert.equal(schemaVersionOf(path), MIGRATIONS.length);
});

function schemaVersionOf(path: string): number {
  const raw = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(raw.prepare("PRAGMA user_version").get()?.user_version);
  } finally {
    raw.close();
  }
}

test("a file that is not a SQLite database is refused with its name", async () => {
  const path = join(tempDir(), "db.sqlite");
  writeFileSync(path, randomBytes(16384));
  await assert.rejects(openSqliteStorage({ path }), (e: Error) => e.message.startsWith(`${path} is not a SQLite database or is corrupt`));
});

test("the directory is created 0700 and the database files are 0600", async () => {
  const dir = join(tempDir(), "data", "nested");
  const path = join(dir, "db.sqlite");
  const s = await openSqliteStorage({ path });
  try {
    await s.users.create({ id: "u", phone: "1", username: "u", display_name: "U", password_hash: "h", email: null });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, "..")).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(`${path}-wal`).mode & 0o777, 0o600);
    // Exclusive locking keeps the WAL index in memory: no -shm file to protect.
    assert.equal(existsSync(`${path}-shm`), false);
  } finally {
    await s.close();
  }
  // A file someone left readable by others is tightened.
  chmodSync(path, 0o644);
  await (await openSqliteStorage({ path })).close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

// root writes anywhere, so as root the attempts run as nobody.
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

test("a read-only directory or file is refused with a clear message", async () => {
  const base = tempDir();
  chmodSync(base, 0o755);
  const readOnlyDir = join(base, "ro-dir");
  mkdirSync(readOnlyDir, { mode: 0o555 });
  chmodSync(readOnlyDir, 0o555);
  const missing = join(readOnlyDir, "db.sqlite");
  const r1 = await child(TRY_OPEN(missing), asUser).exited;
  assert.match(r1.out, /FAILED: /);
  assert.ok(r1.out.includes(`${missing}: cannot create the database file (EACCES)`), r1.out);

  const writableDir = join(base, "rw-dir");
  mkdirSync(writableDir, { mode: 0o777 });
  chmodSync(writableDir, 0o777);
  const readOnlyFile = join(writableDir, "db.sqlite");
  await (await openSqliteStorage({ path: readOnlyFile })).close();
  chmodSync(readOnlyFile, 0o444);
  if (asUser.uid !== undefined) chownSync(readOnlyFile, 0, 0);
  const r2 = await child(TRY_OPEN(readOnlyFile), asUser).exited;
  assert.ok(r2.out.includes(`FAILED: ${readOnlyFile} is read-only for this process`), r2.out);
});
