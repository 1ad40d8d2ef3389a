// Index use of the MongoDB storage, proven without a MongoDB: every repository method runs
// on FerretDB (which uses no index, so it cannot tell) while the shape of every query it
// issues is recorded (src/storage/mongo/query-shapes.ts); each shape is then checked
// against the indexes the schemas declare, with MongoDB's equality-sort-range prefix rule.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import mongoose from "mongoose";
import { COPY_TABLES } from "../../src/storage/copy.ts";
import { openMongoStorage } from "../../src/storage/mongo/open.ts";
import { describe as describeShape, unindexedReason, type QueryShape } from "../../src/storage/mongo/query-shapes.ts";
import { declaredIndexes } from "../../src/storage/mongo/schemas.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { exerciseModeration } from "./moderation-exercise.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";
import type { NewMessage } from "../../src/messaging/message.repository.ts";
import { newId } from "../../src/shared/ids.ts";

const indexes = declaredIndexes();

describe("query shapes: every query the MongoDB storage issues has an index", () => {
  let db: TestDatabase;
  let uri: string;
  const shapes: QueryShape[] = [];
  const open: Storage[] = [];

  before(async () => {
    db = await startDatabase();
    const u = new URL(db.uri);
    u.pathname = `/shapes_${randomBytes(6).toString("hex")}`;
    uri = u.href;
  });
  after(async () => {
    await Promise.all(open.map((s) => s.close().catch(() => {})));
    await db?.stop();
  });

  it("runs every repository method (several scenarios each) and every query it recorded is served by a declared index", async () => {
    const recorded = await openMongoStorage({ uri, onQuery: (s) => shapes.push(s) });
    // A second node, unrecorded: its writes make the recorded one take its collision paths.
    const other = await openMongoStorage({ uri });
    open.push(recorded, other);
    const called = new Set<string>();
    await exerciseEveryMethod(tracked(recorded, called), other);

    const methods = (Object.keys(recorded) as (keyof Storage)[]).flatMap((repo) => {
      const r = recorded[repo];
      return typeof r === "object" && r !== null ? Object.keys(r).map((m) => `${repo}.${m}`) : typeof r === "function" ? [repo] : [];
    });
    assert.deepEqual(methods.filter((m) => !called.has(m)), [], "every repository method was run");
    for (const table of COPY_TABLES) assert.ok(called.has(`copy.page:${table}`) && called.has(`copy.upsert:${table}`), `copy of ${table} was run`);

    assert.ok(shapes.length > 200, `queries were recorded (${shapes.length})`);
    const problems = [...new Set(shapes.map((s) => unindexedReason(s, indexes)).filter((r): r is string => r !== null))];
    assert.deepEqual(problems, [], `queries without an index:\n${problems.join("\n")}`);

    const distinct = [...new Set(shapes.map(describeShape))].sort();
    console.log(`${shapes.length} queries recorded, ${distinct.length} distinct shapes, all served by a declared index:\n  ${distinct.join("\n  ")}`);
  });

  it("the indexes in the database are exactly the declared ones", async () => {
    const conn = await mongoose.createConnection(uri).asPromise();
    try {
      for (const [collection, declared] of indexes) {
        const actual = (await conn.db!.collection(collection).indexes()).map((i) => JSON.stringify(Object.entries(i.key)));
        assert.deepEqual(actual.sort(), declared.map((keys) => JSON.stringify(keys)).sort(), `indexes of ${collection}`);
      }
    } finally {
      await conn.close();
    }
  });
});

/** The storage with every call recorded by name in `called` ("users.create", "copy.page:users"). */
function tracked(s: Storage, called: Set<string>): Storage {
  const wrap = (name: string, fn: (...a: any[]) => any, self: unknown) => (...a: any[]) => {
    called.add(name);
    if (name === "copy.page" || name === "copy.upsert") called.add(`${name}:${a[0]}`);
    return fn.apply(self, a);
  };
  const out: Record<string, unknown> = {};
  for (const [repo, r] of Object.entries(s)) {
    if (typeof r === "function") out[repo] = wrap(repo, r, s);
    else if (typeof r === "object" && r !== null) out[repo] = Object.fromEntries(Object.entries(r).map(([m, fn]) => [m, typeof fn === "function" ? wrap(`${repo}.${m}`, fn as (...a: any[]) => any, r) : fn]));
    else out[repo] = r;
  }
  return out as unknown as Storage;
}

const HOUR = 3600_000;

function msg(key: string, senderId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId(), conversation_key: key, client_message_id: `cm-${newId()}`, sender_id: senderId,
    sender: { id: senderId, username: "u", display_name: "U", avatar_url: null }, text: "hi", kind: "text",
    media: null, sticker: null, reply_to: null, mode: null, created_at: new Date(), ...over,
  };
}

/** Every method of every repository, in its usual and its edge cases; `other` is a second node. */
async function exerciseEveryMethod(s: Storage, other: Storage): Promise<void> {
  const phone = () => `+1${randomBytes(5).readUIntBE(0, 5)}`;
  const newUser = () => ({ id: newId(), phone: phone(), username: `u${newId()}`, display_name: "U", password_hash: "h", email: null });

  // users
  const [a, b, c] = await Promise.all([s.users.create(newUser()), s.users.create(newUser()), s.users.create(newUser())]);
  await assert.rejects(s.users.create({ ...newUser(), phone: a!.phone }));
  await assert.rejects(s.users.create({ ...newUser(), username: a!.username }));
  await assert.rejects(s.users.create({ ...newUser(), id: a!.id }));
  await s.users.byId(a!.id);
  await s.users.byIds([a!.id, b!.id, newId()]);
  await s.users.byIds([]);
  await s.users.byPhone(a!.phone);
  // An operator where a phone belongs never matches anyone (sanitizeFilter).
  const injected = await s.users.byPhone({ $ne: null } as never).catch(() => null);
  assert.equal(injected, null);
  await s.users.byUsername(b!.username);
  await s.users.update(a!.id, { mood: "ok", display_name: "A" });
  await s.users.update(newId(), { mood: "x" });
  assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
  assert.equal(await s.users.linkPartners(a!.id, c!.id), "a_taken");
  assert.equal(await s.users.linkPartners(c!.id, b!.id), "b_taken");
  await Promise.all([s.users.linkPartners(c!.id, newId()), other.users.linkPartners(c!.id, a!.id)]);
  await s.users.unlinkPartners(a!.id, b!.id);

  // sessions
  const sid = newId();
  await s.sessions.createSession({ id: sid, user_id: a!.id, expires_at: new Date(Date.now() + HOUR) });
  await s.sessions.createSession({ id: newId(), user_id: a!.id, expires_at: new Date(Date.now() - HOUR) });
  await s.sessions.session(sid);
  await s.sessions.sessions([sid, newId()]);
  await s.sessions.sessionsOf(a!.id);
  await s.sessions.extendSession(sid, new Date(Date.now() + 2 * HOUR));
  await s.sessions.touchSessions([sid, newId()], new Date());
  await Promise.all([s.sessions.revokeSession(sid, "logout", new Date()), other.sessions.revokeSession(sid, "other", new Date())]);
  await s.sessions.revokeSession(sid, "again", new Date());
  await s.sessions.revokeSession(newId(), "missing", new Date());
  const jti = newId();
  await s.sessions.addRefreshToken({ id: jti, session_id: sid, user_id: a!.id, expires_at: new Date(Date.now() + HOUR) });
  await s.sessions.refreshToken(jti);
  await s.sessions.claimRefreshToken(jti, new Date());
  await s.sessions.claimRefreshToken(jti, new Date());
  await s.sessions.claimRefreshToken(newId(), new Date());
  await s.sessions.pruneExpired(new Date());
  // sessions you can see, password, audit (issue 15)
  await s.sessions.touchSession(sid, new Date());
  await s.sessions.touchSession(sid, new Date(), { device: "Chrome on Linux", ip: "203.0.113.1" });
  await s.sessions.touchSession(newId(), new Date());
  await s.users.setPasswordHash(a!.id, "h2");
  await s.users.setPasswordHash(newId(), "h3");
  await s.audit.append({ id: newId(), user_id: a!.id, type: "login", at: new Date(Date.now() - 1000), ip: "203.0.113.1", device: null, data: { session_id: sid } });
  await s.audit.append({ id: newId(), user_id: a!.id, type: "session_ended", at: new Date(), ip: null, device: null, data: {} });
  const [newest] = await s.audit.ofUser(a!.id, null, 1);
  await s.audit.ofUser(a!.id, { at: newest!.at, id: newest!.id }, 10);
  await s.audit.prune(new Date(Date.now() - 500));

  // partner requests
  const req = await s.partnerRequests.create({ id: newId(), sender_id: a!.id, recipient_id: c!.id, created_at: new Date() });
  await s.partnerRequests.create({ id: newId(), sender_id: b!.id, recipient_id: a!.id, created_at: new Date() });
  await s.partnerRequests.byId(req.id);
  await s.partnerRequests.pendingBetween(c!.id, a!.id);
  await s.partnerRequests.pendingOf(a!.id);
  await Promise.all([s.partnerRequests.transition(req.id, "pending", "accepted", new Date()), other.partnerRequests.transition(req.id, "pending", "rejected", new Date())]);
  await s.partnerRequests.transition(req.id, "pending", "rejected", new Date());
  await s.partnerRequests.cancelPendingOf([a!.id, b!.id], new Date());
  await s.partnerRequests.cancelPendingOf([], new Date());

  // conversations
  const dm = `dm:${a!.id}|${b!.id}`;
  const couple = `couple:${a!.id}_${b!.id}`;
  await s.conversations.ensure({ key: dm, type: "dm", public_id: "d1", mode: null, created_at: new Date() }, [{ user_id: a!.id, role: "member" }, { user_id: b!.id, role: "member" }]);
  await s.conversations.ensure({ key: dm, type: "dm", public_id: "d1", mode: null, created_at: new Date() }, []);
  await other.conversations.ensure({ key: couple, type: "couple", public_id: "c1", mode: "normal", created_at: new Date() }, []);
  await s.conversations.ensure({ key: couple, type: "couple", public_id: "c1", mode: "normal", created_at: new Date() }, [{ user_id: a!.id, role: "member" }]);
  await s.conversations.byKey(dm);
  await s.conversations.setMode(couple, "fight");
  await s.conversations.addMember(couple, { user_id: a!.id, role: "member", joined_at: new Date() });
  await s.conversations.addMember(couple, { user_id: a!.id, role: "member", joined_at: new Date() });
  for (const type of ["dm", "couple", "group"] as const) await s.conversations.listOf(a!.id, type, 20);
  await s.conversations.listOf(newId(), "dm", 20);
  await s.conversations.keysOf(a!.id);
  await s.conversations.keysOfMany([a!.id, b!.id]);
  await s.conversations.member(dm, a!.id);
  await s.conversations.members(dm);
  await s.conversations.membersOfMany([dm, couple]);
  await s.conversations.setRole(dm, b!.id, "admin");
  await s.conversations.setRole(dm, newId(), "admin");
  await s.conversations.markRead(dm, a!.id, 1, new Date());
  await s.conversations.markRead(dm, newId(), 1, new Date());
  await s.conversations.removeMember(couple, a!.id);
  await s.conversations.removeMember(couple, a!.id);

  // messages, with a second node appending to the same conversation at the same time
  const first = await s.messages.append(msg(dm, a!.id, { created_at: new Date(Date.now() - 5000) }));
  await s.messages.append(msg(dm, a!.id, { client_message_id: first.message.client_message_id }));
  await assert.rejects(s.messages.append(msg(dm, b!.id, { id: first.message.id })));
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : s).messages.append(msg(dm, i % 3 ? a!.id : b!.id))));
  await s.messages.byId(dm, first.message.id);
  await s.messages.latest(dm, 5);
  await s.messages.after(dm, 2, 5);
  await s.messages.beforeSeq(dm, 10, 5);
  await s.messages.beforeTime(dm, new Date(), 5);
  await s.messages.atTime(dm, first.message.created_at);
  await s.messages.lastSeq(dm);
  await s.messages.edit(dm, first.message.id, "edited", new Date());
  await s.messages.edit(dm, newId(), "edited", new Date());
  await s.messages.toggleReaction(dm, first.message.id, b!.id, { emoji: "👍", at: new Date(), username: "b" });
  await s.messages.toggleReaction(dm, first.message.id, b!.id, { emoji: "❤️", at: new Date(), username: "b" });
  await s.messages.toggleReaction(dm, first.message.id, b!.id, { emoji: "❤️", at: new Date(), username: "b" });
  await s.messages.toggleReaction(dm, first.message.id, a!.id, { emoji: "👍", at: new Date(), username: "a" });
  await s.messages.tombstone(dm, first.message.id, new Date());
  await s.messages.tombstone(dm, newId(), new Date());
  await s.messages.toggleReaction(dm, first.message.id, b!.id, { emoji: "👍", at: new Date(), username: "b" });
  await s.messages.unreadCounts(b!.id, [{ key: dm, afterSeq: 3 }, { key: couple, afterSeq: 0 }]);
  await s.messages.unreadCounts(b!.id, []);
  // read state: mentions written, edited and wiped; unread of one and of several users; members
  const mentioning = await s.messages.append(msg(dm, a!.id, { mentions: [b!.id] }));
  await s.messages.edit(dm, mentioning.message.id, "again", new Date(), [b!.id, c!.id]);
  await s.conversations.setMute(dm, b!.id, new Date(Date.now() + HOUR));
  await s.conversations.setMute(dm, b!.id, null);
  await s.conversations.setMute(dm, newId(), null);
  await s.messages.unreadOfUsers([b!.id]);
  await s.messages.unreadOfUsers([a!.id, b!.id, newId()]);
  await s.messages.unreadOfUsers([]);
  await s.messages.tombstone(dm, mentioning.message.id, new Date());
  await s.messages.memberIds(dm, 10);
  await s.messages.memberIds(dm, 0);
  await s.messages.membersNamed(dm, [a!.username, "nobody_here"]);
  await s.messages.membersNamed(dm, ["nobody_here"]);
  await s.messages.membersNamed(dm, []);

  // events, with a second node appending at the same time
  await s.events.stream();
  await s.events.head();
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : s).events.append([{ type: "t", ns: "/", conversation_key: i % 2 ? dm : null, user_ids: [a!.id], payload: { i }, created_at: new Date(Date.now() - (20 - i) * 1000) }])));
  await s.events.append([{ type: "t", ns: "/", conversation_key: null, user_ids: [], payload: { big: 1n } as never, created_at: new Date() }]);
  await s.events.after(0, a!.id, [dm, couple], 10);
  await s.events.after(0, b!.id, [], 10);
  await s.events.prune(new Date(Date.now() - 10_000));
  await s.events.prune(new Date(0));

  // groups
  const g = await s.groups.create({ id: `g-${newId()}`, name: "G", description: "", is_public: false, owner_id: a!.id, avatar_url: null, created_at: new Date() }, [{ user_id: a!.id, role: "owner" }]);
  await s.groups.create({ id: `g-${newId()}`, name: "P", description: "", is_public: true, owner_id: b!.id, avatar_url: null, created_at: new Date() }, [{ user_id: b!.id, role: "owner" }]);
  await assert.rejects(s.groups.create({ ...g, name: "again" }, []));
  await s.messages.append(msg(`group:${g.id}`, a!.id));
  await s.groups.byId(g.id);
  await s.groups.update(g.id, { name: "G2" });
  await s.groups.update(`g-${newId()}`, { name: "none" });
  await s.groups.touch(g.id, new Date());
  await s.groups.listVisible(a!.id, false, 10);
  await s.groups.listVisible(a!.id, true, 10);
  await s.groups.listVisible(newId(), false, 10);

  // profiles, stickers, uploads
  await s.profiles.get(a!.id);
  await s.profiles.upsert(a!.id, { bio: "hi", interests: ["x"] }, new Date());
  await s.profiles.upsert(a!.id, { city: "Paris" }, new Date());
  await s.stickers.seed([{ id: "pack", name: "Pack", stickers: [{ id: "s", emoji: "🙂", label: "smile", url: "/s.png" }], created_at: new Date() }]);
  await s.stickers.seed([{ id: "pack", name: "Pack", stickers: [], created_at: new Date() }]);
  await s.stickers.list();
  await s.stickers.byId("pack");
  await s.uploads.record({ id: newId(), owner_id: a!.id, type: "image", urls: ["/m/1.jpg", "/m/1.webp"], bytes: 10, created_at: new Date() });
  await s.uploads.byUrl("/m/1.webp");
  await s.uploads.byUrl("/m/none");
  const sub = { id: newId(), user_id: a!.id, session_id: newId(), type: "webpush" as const, address: "https://push.example.com/x", keys: { p256dh: "k", auth: "a" }, platform: null, created_at: new Date() };
  await s.pushSubscriptions.upsert(sub);
  await s.pushSubscriptions.upsert({ ...sub, id: newId(), session_id: newId() });
  await s.pushSubscriptions.byId(sub.id);
  await s.pushSubscriptions.ofUser(a!.id);
  await s.pushSubscriptions.ofUsers([a!.id, newId()]);
  await s.pushSubscriptions.remove(sub.id);
  await s.pushSubscriptions.removeOfSession(sub.session_id);
  // blocks (issue 15): a second add of a pair, both directions, the cache's load of several users
  await s.blocks.add({ blocker_id: a!.id, blocked_id: b!.id, created_at: new Date() });
  await s.blocks.add({ blocker_id: a!.id, blocked_id: b!.id, created_at: new Date() });
  await s.blocks.add({ blocker_id: c!.id, blocked_id: a!.id, created_at: new Date() });
  await s.blocks.byBlocker(a!.id);
  await s.blocks.involving([a!.id, b!.id]);
  await s.blocks.involving([]);
  await s.blocks.remove(c!.id, a!.id);
  await s.blocks.remove(c!.id, a!.id);

  await exerciseModeration(s, a!.id); // reports, group bans and post blocks, suspension (issue 15)

  // account deletion (issue 15): the job (twice: the second finds it) and its bulk writes
  const tomb = { phone: `deleted:${c!.id}`, username: `deleted-${c!.id}`, display_name: "Deleted user", suspended_until: new Date("9999-12-31T00:00:00Z"), suspension_reason: "account_deleted" };
  await s.accountDeletions.begin(c!.id, new Date(), tomb);
  await s.accountDeletions.begin(c!.id, new Date(), tomb);
  await s.accountDeletions.begin(newId(), new Date(), tomb);
  await s.accountDeletions.job(c!.id);
  await s.accountDeletions.unfinished(10);
  await s.accountDeletions.advance(c!.id, "messages", null, new Date());
  const card = { id: a!.id, username: "deleted", display_name: "Deleted user", avatar_url: null };
  const page = await s.accountDeletions.tombstoneMessagesOf(a!.id, null, 1, card, new Date());
  await s.accountDeletions.tombstoneMessagesOf(a!.id, page.lastId, 1000, card, new Date());
  await s.accountDeletions.removeReactionsOf(b!.id, 10);
  const ups = await s.accountDeletions.uploadsOf(a!.id, null, 10);
  await s.accountDeletions.uploadsOf(a!.id, newId(), 10);
  await s.accountDeletions.removeUploads([...ups.map((u) => u.id), newId()]);
  await s.accountDeletions.removePersonalData(c!.id);
  await s.accountDeletions.setGroupOwner(g.id, b!.id);
  await s.accountDeletions.advance(c!.id, "done", null, new Date());

  // copy: every table page by page (two pages where there are rows), counted, written back
  for (const table of COPY_TABLES) {
    const firstPage = await s.copy.page(table, null, 2);
    const next = firstPage.next ? await s.copy.page(table, firstPage.next, 1000) : { rows: [] };
    await s.copy.count(table);
    await s.copy.upsert(table, [...firstPage.rows, ...next.rows]);
  }

  // the group goes last: remove deletes its messages, members and conversation
  await s.groups.remove(g.id);
  await s.groups.remove(g.id);
  await s.ping();
  await s.close();
}
