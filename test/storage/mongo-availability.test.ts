// The MongoDB storage when the database is away or hangs: every failure is a
// StorageUnavailableError within the operation timeout (not a hang, not a driver error),
// and the storage works again once the database answers.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { newId } from "../../src/shared/ids.ts";
import { StorageUnavailableError } from "../../src/storage/errors.ts";
import { openMongoStorage } from "../../src/storage/mongo/open.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";

const TIMEOUT = 1000;
// A hung server: the socket timeout (timeout + 1 s), twice (the driver retries once), and
// room for a slow machine.
const BOUND = 2 * (TIMEOUT + 1000) + 1000;

function unavailable(err: unknown): true {
  assert.ok(err instanceof StorageUnavailableError, `expected StorageUnavailableError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  return true;
}

async function failsUnavailable(what: string, p: Promise<unknown>): Promise<void> {
  const started = Date.now();
  await assert.rejects(p, unavailable, what);
  assert.ok(Date.now() - started < BOUND, `${what}: failed within ${BOUND} ms (took ${Date.now() - started})`);
}

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

const event = () => ({ type: "t", ns: "/", conversation_key: null, user_ids: [], payload: {}, created_at: new Date() });

describe("MongoDB storage: the database is away", () => {
  let db: TestDatabase;
  let s: Storage;
  before(async () => {
    db = await startDatabase();
    s = await openMongoStorage({ uri: db.uri, operationTimeoutMs: TIMEOUT });
  });
  after(async () => {
    await s?.close().catch(() => {});
    await db?.stop().catch(() => {});
  });

  it("opening against nothing fails with StorageUnavailableError", async () => {
    await failsUnavailable("open", openMongoStorage({ uri: `mongodb://127.0.0.1:${await closedPort()}/chat`, operationTimeoutMs: TIMEOUT }));
  });

  it("a database that hangs: reads, writes and ping fail with StorageUnavailableError in time; all work again once it answers", async () => {
    const user = { id: newId(), phone: "+15550001", username: `u${newId()}`, display_name: "U", password_hash: "h", email: null };
    await s.users.create(user);
    await s.ping();
    db.freeze();
    try {
      await failsUnavailable("users.byId", s.users.byId(user.id));
      await failsUnavailable("messages.lastSeq", s.messages.lastSeq("group:x"));
      await failsUnavailable("events.append", s.events.append([event()]));
      await failsUnavailable("ping", s.ping());
    } finally {
      db.thaw();
    }
    const answers = async () => {
      try {
        await s.ping();
        return true;
      } catch (err) {
        unavailable(err); // while it comes back, only "unavailable"
        return false;
      }
    };
    await waitFor(answers, "the storage to answer again", 15_000, 100);
    assert.equal((await s.users.byId(user.id))?.phone, user.phone, "the storage reads again");
    const [position] = await s.events.append([event()]);
    assert.equal(typeof position, "number", "and writes again");
  });

  it("a database that is gone: operations fail with StorageUnavailableError in time", async () => {
    await db.stop();
    await failsUnavailable("users.byPhone", s.users.byPhone("+15550001"));
    await failsUnavailable("conversations.addMember", s.conversations.addMember("group:x", { user_id: newId(), role: "member", joined_at: new Date() }));
    await failsUnavailable("ping", s.ping());
  });
});
