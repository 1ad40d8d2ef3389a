// The MongoDB storage's guarantees under concurrency across nodes: two storages (two
// connections, as two server processes would have) on one FerretDB, whose updates are not
// atomic, so everything here rests on unique indexes and inserts.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { NewMessage } from "../../src/messaging/message.repository.ts";
import { newId } from "../../src/shared/ids.ts";
import { openMongoStorage } from "../../src/storage/mongo/open.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";

let db: TestDatabase;
const opened: Storage[] = [];

/** Two nodes on a fresh database of the shared server. */
async function twoNodes(): Promise<[Storage, Storage]> {
  const uri = new URL(db.uri);
  uri.pathname = `/concurrency_${randomBytes(6).toString("hex")}`;
  const nodes = await Promise.all([openMongoStorage({ uri: uri.href }), openMongoStorage({ uri: uri.href })]);
  opened.push(...nodes);
  return nodes;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function message(key: string, senderId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId(),
    conversation_key: key,
    client_message_id: `cm-${newId()}`,
    sender_id: senderId,
    sender: { id: senderId, username: `u_${senderId}`, display_name: "U", avatar_url: null },
    text: "hi",
    kind: "text",
    media: null,
    sticker: null,
    reply_to: null,
    mode: null,
    created_at: new Date(),
    ...over,
  };
}

async function group(s: Storage, members: string[] = []): Promise<string> {
  const id = `g-${newId()}`;
  await s.groups.create({ id, name: "g", description: "", is_public: true, owner_id: newId(), avatar_url: null, created_at: new Date() }, members.map((user_id) => ({ user_id, role: "member" as const })));
  return `group:${id}`;
}

describe("MongoDB storage: two nodes at once", () => {
  before(async () => {
    db = await startDatabase();
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await db?.stop();
  });

  it("400 concurrent appends over 4 conversations from both nodes: each conversation's seqs are exactly 1..n", async () => {
    const [a, b] = await twoNodes();
    const sender = newId();
    const keys = await Promise.all(range(4).map(() => group(a, [sender])));
    const sends = range(400).map((i) => (i % 2 ? a : b).messages.append(message(keys[i % 4]!, sender)));
    const results = await Promise.all(sends);
    assert.ok(results.every((r) => r.created));
    for (const key of keys) {
      const stored = await a.messages.after(key, 0, 1000);
      assert.deepEqual(stored.map((m) => m.seq), range(100), `${key}: 1..100, no gap, no duplicate`);
      const mine = results.filter((r) => r.message.conversation_key === key).map((r) => r.message.seq).sort((x, y) => x - y);
      assert.deepEqual(mine, range(100), `${key}: each append got its own seq`);
      assert.equal(await b.messages.lastSeq(key), 100);
    }
  });

  it("200 concurrent event appends from both nodes: positions exactly 1..200, no hole, each event at its own", async () => {
    const [a, b] = await twoNodes();
    const appends = range(200).map((i) => (i % 2 ? a : b).events.append([{ type: "t", ns: "/test", conversation_key: null, user_ids: ["u"], payload: { i }, created_at: new Date() }]));
    const positions = (await Promise.all(appends)).map((r) => r[0] as number);
    assert.deepEqual([...positions].sort((x, y) => x - y), range(200), "every position once");
    const stored = await a.events.after(0, "u", [], 1000);
    assert.deepEqual(stored.map((e) => e.seq), range(200), "stored 1..200");
    for (const e of stored) assert.equal(positions[(e.payload.i as number) - 1], e.seq, "each event is at the position its append returned");
    assert.equal(await b.events.head(), 200);
  });

  it("20 concurrent addMember of different users to one group from both nodes: all 20 stored", async () => {
    const [a, b] = await twoNodes();
    const key = await group(a);
    const users = range(20).map(() => newId());
    const added = await Promise.all(users.map((u, i) => (i % 2 ? a : b).conversations.addMember(key, { user_id: u, role: "member", joined_at: new Date() })));
    assert.ok(added.every(Boolean));
    assert.deepEqual((await b.conversations.members(key)).map((m) => m.user_id).sort(), [...users].sort());
  });

  it("concurrent removeMember and addMember from both nodes: exactly the expected members remain", async () => {
    const [a, b] = await twoNodes();
    const stay = range(5).map(() => newId());
    const leave = range(10).map(() => newId());
    const join = range(10).map(() => newId());
    const key = await group(a, [...stay, ...leave]);
    const ops = [
      ...leave.map((u, i) => (i % 2 ? a : b).conversations.removeMember(key, u)),
      ...join.map((u, i) => (i % 2 ? b : a).conversations.addMember(key, { user_id: u, role: "member", joined_at: new Date() })),
      // The same leave twice more: exactly one of the three removes reports it.
      ...leave.map((u, i) => (i % 2 ? b : a).conversations.removeMember(key, u)),
    ];
    const results = await Promise.all(ops);
    const removed = leave.map((_, i) => Number(results[i]) + Number(results[20 + i]));
    assert.deepEqual(removed, leave.map(() => 1), "each member was removed once");
    assert.deepEqual((await a.conversations.members(key)).map((m) => m.user_id).sort(), [...stay, ...join].sort());
  });

  it("the same client_message_id sent from both nodes at once: one message, one seq", async () => {
    const [a, b] = await twoNodes();
    const sender = newId();
    const key = await group(a, [sender]);
    for (let round = 0; round < 10; round++) {
      const m = message(key, sender);
      const results = await Promise.all([a.messages.append(m), b.messages.append({ ...m, id: newId() }), a.messages.append({ ...m, id: newId() })]);
      assert.equal(results.filter((r) => r.created).length, 1, `round ${round}: one created`);
      assert.equal(new Set(results.map((r) => r.message.id)).size, 1, "all return the same message");
    }
    assert.deepEqual((await b.messages.after(key, 0, 100)).map((m) => m.seq), range(10), "one seq per message");
  });

  it("single-use and first-caller decisions hold across nodes: refresh claims, revocations, partner links, ensure, stream", async () => {
    const [a, b] = await twoNodes();
    const node = (i: number) => (i % 2 ? a : b);
    for (let round = 0; round < 5; round++) {
      const sid = newId();
      const user = newId();
      const expires_at = new Date(Date.now() + 3600_000);
      await a.sessions.createSession({ id: sid, user_id: user, expires_at });
      await a.sessions.addRefreshToken({ id: `t-${sid}`, session_id: sid, user_id: user, expires_at });
      const claims = await Promise.all(range(10).map((i) => node(i).sessions.claimRefreshToken(`t-${sid}`, new Date())));
      assert.equal(claims.filter(Boolean).length, 1, "one refresh claim won");
      const revokes = await Promise.all(range(10).map((i) => node(i).sessions.revokeSession(sid, `r${i}`, new Date())));
      assert.equal(revokes.filter(Boolean).length, 1, "one revocation won");
      assert.equal((await b.sessions.session(sid))!.revoked_reason, `r${revokes.indexOf(true) + 1}`, "the winner's reason is stored");
    }

    const users = await Promise.all(range(6).map(() => a.users.create({ id: newId(), phone: `+1${randomBytes(5).readUIntBE(0, 5)}`, username: `u${newId()}`, display_name: "U", password_hash: "h", email: null })));
    const pairs = users.flatMap((x, i) => users.filter((y) => y !== x).map((y) => [x.id, y.id, i] as const));
    const links = await Promise.all(pairs.map(([x, y, i]) => node(i).users.linkPartners(x, y)));
    const partner = new Map((await a.users.byIds(users.map((u) => u.id))).map((u) => [u.id, u.partner_id]));
    for (const [id, p] of partner) if (p) assert.equal(partner.get(p), id, "every link is mutual");
    assert.equal([...partner.values()].filter(Boolean).length, links.filter((r) => r === "linked").length * 2, "each link reported once");

    const key = `dm:${newId()}|${newId()}`;
    const ensured = await Promise.all(range(6).map((i) => node(i).conversations.ensure({ key, type: "dm", public_id: "p", mode: null, created_at: new Date() }, [{ user_id: `m${i}`, role: "member" }])));
    assert.equal(ensured.filter((r) => r.created).length, 1, "created once");
    assert.equal((await a.conversations.members(key)).length, 1, "only the creator's members");

    const streams = await Promise.all(range(6).map((i) => node(i).events.stream()));
    assert.equal(new Set(streams.map((s) => s.epoch)).size, 1, "one epoch");
  });
});
