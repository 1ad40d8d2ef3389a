// The bulk copy interface (src/storage/copy.ts): every COPY_TABLES table read page by page
// from one storage and upserted into another gives the same data through every
// repository, twice over, and across the two kinds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConversationType } from "../../../src/contract/models.ts";
import { newId } from "../../../src/shared/ids.ts";
import { COPY_TABLES, type CopyTable } from "../../../src/storage/copy.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import type { OpenedStorage } from "./implementations.ts";
import { assertModerationContinues, assertModerationRows, fillModeration, MODERATION_COUNTS, readModeration } from "./moderation-copy.ts";
import { at, card, duplicateKey, messageInput, newUserInput, oddPayload, sortStrings, type GetStorage, type SuiteContext } from "./helpers.ts";

const PAGE = 2;

/** What fill() made, to read back on the other side. */
interface Manifest {
  users: string[];
  phoneOfA: string;
  sessions: string[];
  claimedToken: string;
  unclaimedToken: string;
  requests: string[];
  conversations: { key: string; type: ConversationType }[];
  coupleKey: string;
  edited: { id: string; client_message_id: string; sender_id: string };
  eventKeys: string[];
  groupId: string;
  packs: string[];
  uploadUrls: string[];
}

const EXPECTED_COUNTS: Record<CopyTable, number> = {
  users: 3,
  sessions: 2,
  refresh_tokens: 2,
  partner_requests: 2,
  conversations: 3,
  members: 6,
  messages: 6,
  events: 3,
  stream: 1,
  groups: 1,
  profiles: 1,
  sticker_packs: 2,
  uploads: 1,
  push_subscriptions: 1,
  ...MODERATION_COUNTS,
  blocks: 2,
  audit_events: 2,
};

/** Fills an empty storage through its repositories with one of everything. */
async function fill(s: Storage): Promise<Manifest> {
  const [a, b, c] = [await s.users.create(newUserInput({ email: "a@example.com" })), await s.users.create(newUserInput()), await s.users.create(newUserInput())];
  await s.users.update(a.id, { mood: "😀", bubble_color: "#123456", avatar_url: "https://cdn.example/a.png" });
  assert.equal(await s.users.linkPartners(a.id, b.id), "linked");

  const future = new Date(Date.now() + 24 * 3600_000);
  const [s1, s2] = [newId(), newId()];
  await s.sessions.createSession({ id: s1, user_id: a.id, expires_at: future });
  await s.sessions.createSession({ id: s2, user_id: b.id, expires_at: future });
  assert.equal(await s.sessions.revokeSession(s2, "logout", at("2030-01-01T00:00:00.001Z")), true);
  const [t1, t2] = [newId(), newId()];
  await s.sessions.addRefreshToken({ id: t1, session_id: s1, user_id: a.id, expires_at: future });
  await s.sessions.addRefreshToken({ id: t2, session_id: s1, user_id: a.id, expires_at: future });
  assert.equal(await s.sessions.claimRefreshToken(t1, at("2030-01-01T00:00:00.002Z")), true);

  const r1 = await s.partnerRequests.create({ id: newId(), sender_id: c.id, recipient_id: a.id, created_at: at("2030-01-01T00:00:01.000Z") });
  const r2 = await s.partnerRequests.create({ id: newId(), sender_id: c.id, recipient_id: b.id, created_at: at("2030-01-01T00:00:02.000Z") });
  assert.equal(await s.partnerRequests.transition(r2.id, "pending", "rejected", at("2030-01-01T00:00:03.000Z")), true);

  const coupleKey = `couple:${[a.id, b.id].sort().join("_")}`;
  await s.conversations.ensure({ key: coupleKey, type: "couple", public_id: newId(), mode: "normal", created_at: at("2030-01-01T00:00:00.000Z") }, [
    { user_id: a.id, role: "member" },
    { user_id: b.id, role: "member" },
  ]);
  await s.conversations.setMode(coupleKey, "fight");
  const dmKey = `dm:${[a.username, c.username].sort().join("|")}`;
  await s.conversations.ensure({ key: dmKey, type: "dm", public_id: newId(), mode: null, created_at: at("2030-01-01T00:00:00.500Z") }, [
    { user_id: a.id, role: "member" },
    { user_id: c.id, role: "member" },
  ]);
  const groupId = `g-${newId()}`;
  await s.groups.create({ id: groupId, name: "Copied", description: "d", is_public: false, owner_id: c.id, avatar_url: null, created_at: at("2030-01-01T00:00:04.000Z") }, [
    { user_id: c.id, role: "owner" },
    { user_id: a.id, role: "admin" },
  ]);
  await s.groups.update(groupId, { description: "described" });
  const groupKey = `group:${groupId}`;

  const m1 = (await s.messages.append(messageInput(coupleKey, a.id, { text: "v1", mode: "fight", created_at: at("2030-01-02T00:00:01.000Z") }))).message;
  const m2 = (
    await s.messages.append(
      messageInput(coupleKey, b.id, {
        text: "look",
        kind: "image",
        media: { original: "https://cdn.example/o.jpg", preview: "https://cdn.example/p.jpg", thumbnail: null, type: "image", bytes: 10, width: 2, height: 3 },
        reply_to: { message_id: m1.id, sender: card(a.id), text: "v1", timestamp: m1.created_at.toISOString(), kind: "text", media: null },
        created_at: at("2030-01-02T00:00:02.000Z"),
      }),
    )
  ).message;
  await s.messages.append(messageInput(coupleKey, a.id, { text: "", kind: "sticker", sticker: { pack_id: "p", sticker_id: "s", url: "/stickers/p/s.svg" }, created_at: at("2030-01-02T00:00:03.000Z") }));
  const m4 = (await s.messages.append(messageInput(coupleKey, b.id, { text: "oops", created_at: at("2030-01-02T00:00:04.000Z") }))).message;
  await s.messages.edit(coupleKey, m1.id, "v2", at("2030-01-02T00:01:00.000Z"));
  await s.messages.edit(coupleKey, m1.id, "v3", at("2030-01-02T00:02:00.000Z"));
  await s.messages.toggleReaction(coupleKey, m1.id, b.id, { emoji: "❤️", at: at("2030-01-02T00:03:00.000Z"), username: b.username });
  await s.messages.toggleReaction(coupleKey, m1.id, a.id, { emoji: "a.b$\u0000", at: at("2030-01-02T00:04:00.000Z"), username: a.username });
  await s.messages.toggleReaction(coupleKey, m2.id, a.id, { emoji: "👍", at: at("2030-01-02T00:05:00.000Z"), username: a.username });
  await s.messages.tombstone(coupleKey, m4.id, at("2030-01-02T00:06:00.000Z"));
  // A mention of a (whose mention row SQLite rebuilds from the copied message), and a's mute of the group.
  await s.messages.append(messageInput(groupKey, c.id, { text: `hi @${a.username}`, mentions: [a.id], created_at: at("2030-01-02T00:07:00.000Z") }));
  assert.equal(await s.conversations.setMute(groupKey, a.id, at("2031-01-01T00:00:00.000Z")), true);
  await s.messages.append(messageInput(dmKey, c.id, { created_at: at("2030-01-02T00:08:00.000Z") }));
  assert.equal((await s.conversations.markRead(coupleKey, a.id, 2, at("2030-01-02T00:09:00.000Z")))?.seq, 2);

  await s.events.stream();
  const positions = await s.events.append([
    { type: "odd", ns: "/chat", conversation_key: null, user_ids: [a.id], payload: oddPayload(), created_at: at("2030-01-03T00:00:00.000Z") },
    { type: "new_message", ns: "/chat", conversation_key: coupleKey, user_ids: [], payload: { message: { id: m1.id, text: "v1" } }, created_at: at("2030-01-03T00:00:01.000Z") },
    { type: "partner_request", ns: "/chat", conversation_key: null, user_ids: [b.id, c.id], payload: { id: r2.id }, created_at: at("2030-01-03T00:00:02.000Z") },
  ]);
  assert.deepEqual(positions, [1, 2, 3]);

  await s.profiles.upsert(
    a.id,
    { bio: "hello", birthdate: "1991-01-01", interests: ["x"], photos: ["https://cdn.example/1.jpg"], social_links: [{ platform: "web", url: "https://a.example" }] },
    at("2030-01-04T00:00:00.000Z"),
  );
  const packs = [`pack-${newId()}`, `pack-${newId()}`];
  await s.stickers.seed(packs.map((id, i) => ({ id, name: `P${i}`, stickers: [{ id: "s", emoji: "😀", label: "smile", url: `/stickers/${id}/s.svg` }], created_at: at("2030-01-05T00:00:00.000Z") })));
  const uploadId = newId();
  const uploadUrls = [`https://cdn.example/${uploadId}.jpg`, `https://cdn.example/${uploadId}-p.webp`];
  await s.uploads.record({ id: uploadId, owner_id: b.id, type: "image", urls: uploadUrls, bytes: 10, created_at: at("2030-01-06T00:00:00.000Z") });
  await s.pushSubscriptions.upsert({ id: newId(), user_id: a.id, session_id: s1, type: "webpush", address: `https://push.example/${newId()}`, keys: { p256dh: "k", auth: "a" }, platform: null, created_at: at("2030-01-07T00:00:00.000Z") });
  assert.equal(await s.blocks.add({ blocker_id: a.id, blocked_id: c.id, created_at: at("2030-01-08T00:00:00.000Z") }), true);
  assert.equal(await s.blocks.add({ blocker_id: c.id, blocked_id: a.id, created_at: at("2030-01-08T00:00:01.000Z") }), true);
  // Audit (issue 15): a's session used from a device, and two of a's events (odd keys in data).
  await s.sessions.touchSession(s1, at("2030-01-09T00:00:00.000Z"), { device: "Firefox on Linux", ip: "203.0.113.9" });
  await s.audit.append({ id: newId(), user_id: a.id, type: "login", at: at("2030-01-09T00:00:01.000Z"), ip: "203.0.113.9", device: "Firefox on Linux", data: { session_id: s1, method: "password" } });
  await s.audit.append({ id: newId(), user_id: a.id, type: "moderation_action", at: at("2030-01-09T00:00:02.000Z"), ip: null, device: null, data: { "a.b": 1, $x: "y", flag: true, none: null } });

  await fillModeration(s, { users: [a.id, b.id, c.id], groupId });

  return {
    users: [a.id, b.id, c.id],
    phoneOfA: a.phone,
    sessions: [s1, s2],
    claimedToken: t1,
    unclaimedToken: t2,
    requests: [r1.id, r2.id],
    conversations: [
      { key: coupleKey, type: "couple" },
      { key: dmKey, type: "dm" },
      { key: groupKey, type: "group" },
    ],
    coupleKey,
    edited: { id: m1.id, client_message_id: m1.client_message_id, sender_id: a.id },
    eventKeys: [coupleKey, dmKey, groupKey],
    groupId,
    packs,
    uploadUrls,
  };
}

async function readTable(s: Storage, table: CopyTable, limit: number): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let after: string | null = null;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10_000, `${table}: paging ends`);
    const page = await s.copy.page(table, after, limit);
    assert.ok(page.rows.length <= limit, `${table}: a page holds at most ${limit} rows, got ${page.rows.length}`);
    rows.push(...page.rows);
    if (page.next === null) return rows;
    assert.notEqual(page.next, after, `${table}: the cursor moves`);
    after = page.next;
  }
}

/** Copies every table page by page; returns how many rows went per table. */
async function copyAll(from: Storage, to: Storage): Promise<Record<string, number>> {
  const copied: Record<string, number> = {};
  for (const table of COPY_TABLES) {
    let after: string | null = null;
    copied[table] = 0;
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 10_000, `${table}: paging ends`);
      const page = await from.copy.page(table, after, PAGE);
      await to.copy.upsert(table, page.rows);
      copied[table] += page.rows.length;
      if (page.next === null) break;
      after = page.next;
    }
  }
  return copied;
}

async function counts(s: Storage): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of COPY_TABLES) out[table] = await s.copy.count(table);
  return out;
}

/** Everything fill() stored reads the same through every repository of both storages. */
async function assertSameData(x: Storage, y: Storage, m: Manifest, label: string): Promise<void> {
  const same = async <T>(what: string, read: (s: Storage) => Promise<T>) => assert.deepEqual(await read(y), await read(x), `${label}: ${what}`);
  const sortedById = <T extends { id: string }>(xs: T[]) => [...xs].sort((p, q) => (p.id < q.id ? -1 : 1));

  assert.deepEqual(await counts(y), await counts(x), `${label}: counts`);
  await same("users", async (s) => sortedById(await s.users.byIds(m.users)));
  await same("user by phone", (s) => s.users.byPhone(m.phoneOfA));
  for (const id of m.users) {
    await same(`user ${id}`, (s) => s.users.byId(id));
    await same(`sessionsOf ${id}`, (s) => s.sessions.sessionsOf(id));
    await same(`keysOf ${id}`, async (s) => sortStrings(await s.conversations.keysOf(id)));
    await same(`pendingOf ${id}`, (s) => s.partnerRequests.pendingOf(id));
    for (const type of ["couple", "dm", "group"] as const) await same(`listOf ${id} ${type}`, (s) => s.conversations.listOf(id, type, 10));
    await same(`listVisible ${id}`, (s) => s.groups.listVisible(id, false, 10));
    await same(`profile ${id}`, (s) => s.profiles.get(id));
    await same(`blocks by ${id}`, (s) => s.blocks.byBlocker(id));
    await same(`audit of ${id}`, (s) => s.audit.ofUser(id, null, 100));
    await same(`events of ${id}`, (s) => s.events.after(0, id, m.eventKeys, 100));
    await same(
      `unread of ${id}`,
      async (s) => [...(await s.messages.unreadCounts(id, m.conversations.map((c) => ({ key: c.key, afterSeq: 0 }))))].sort(),
    );
    await same(`unread state of ${id}`, async (s) => (await s.messages.unreadOfUsers([id])).sort((p, q) => (p.conversation_key < q.conversation_key ? -1 : 1)));
  }
  for (const id of m.sessions) await same(`session ${id}`, (s) => s.sessions.session(id));
  for (const id of [m.claimedToken, m.unclaimedToken]) await same(`refresh token ${id}`, (s) => s.sessions.refreshToken(id));
  for (const id of m.requests) await same(`partner request ${id}`, (s) => s.partnerRequests.byId(id));
  for (const c of m.conversations) {
    await same(`conversation ${c.key}`, (s) => s.conversations.byKey(c.key));
    await same(`members of ${c.key}`, (s) => s.conversations.members(c.key));
    await same(`messages of ${c.key}`, (s) => s.messages.latest(c.key, 100));
    await same(`lastSeq of ${c.key}`, (s) => s.messages.lastSeq(c.key));
  }
  await same("edited message", (s) => s.messages.byId(m.coupleKey, m.edited.id));
  await same("group", (s) => s.groups.byId(m.groupId));
  await same("sticker packs", (s) => s.stickers.list());
  for (const url of m.uploadUrls) await same(`upload ${url}`, (s) => s.uploads.byUrl(url));
  await same("push subscriptions of a", (s) => s.pushSubscriptions.ofUser(m.users[0]!));
  await same("stream", (s) => s.events.stream());
  await same("moderation", (s) => readModeration(s, m));
  await same("head", (s) => s.events.head());

  // And it is what was filled in, not two empty answers.
  const groupKey = m.conversations.find((c) => c.type === "group")!.key;
  const inGroup = (await y.messages.unreadOfUsers([m.users[0]!])).find((r) => r.conversation_key === groupKey);
  assert.deepEqual([inGroup?.unread, inGroup?.mentioned, inGroup?.muted_until], [1, true, at("2031-01-01T00:00:00.000Z")], `${label}: a's mention and mute in the group`);
  assert.deepEqual((await y.messages.latest(groupKey, 1))[0]?.mentions, [m.users[0]], `${label}: the message's mentions`);
  const msg = await y.messages.byId(m.coupleKey, m.edited.id);
  assert.ok(msg, `${label}: the edited message is there`);
  assert.deepEqual(
    msg.edits.map((e) => e.text),
    ["v1", "v2"],
    `${label}: edits`,
  );
  assert.equal(msg.text, "v3");
  for (const u of [m.users[0]!, m.users[1]!]) assert.ok(Object.hasOwn(msg.reactions, u), `${label}: the reaction of ${u}`);
  assert.equal(msg.reactions[m.users[0]!]!.emoji, "a.b$\u0000");
  const [odd] = await y.events.after(0, m.users[0]!, [], 1);
  assert.ok(odd, `${label}: the event is there`);
  assert.deepEqual(odd.payload, oddPayload(), `${label}: the event payload`);
  assert.equal((await y.users.byId(m.users[0]!))!.partner_id, m.users[1]);
}

/** The copy is a working database: counters go on, unique keys hold, single-use claims stay used. */
async function assertItContinues(s: Storage, m: Manifest, label: string): Promise<void> {
  const last = await s.messages.lastSeq(m.coupleKey);
  assert.equal(last, 4, `${label}: lastSeq`);
  const next = await s.messages.append(messageInput(m.coupleKey, m.users[1]!));
  assert.deepEqual([next.created, next.message.seq], [true, 5], `${label}: the next message gets the next seq`);
  assert.equal((await s.conversations.byKey(m.coupleKey))!.last_seq, 5, `${label}: last_seq raised from the copied one`);
  const dup = await s.messages.append(messageInput(m.coupleKey, m.edited.sender_id, { client_message_id: m.edited.client_message_id }));
  assert.deepEqual([dup.created, dup.message.id], [false, m.edited.id], `${label}: a copied client_message_id is still known`);

  const { epoch } = await s.events.stream();
  assert.deepEqual(await s.events.append([{ type: "x", ns: "/chat", conversation_key: null, user_ids: [m.users[0]!], payload: {}, created_at: new Date() }]), [4], `${label}: the next event position`);
  assert.equal((await s.events.stream()).epoch, epoch);

  assert.equal(await s.sessions.claimRefreshToken(m.claimedToken, new Date()), false, `${label}: a used refresh token stays used`);
  assert.equal(await s.sessions.claimRefreshToken(m.unclaimedToken, new Date()), true, `${label}: an unused one can be claimed once`);
  assert.equal(await s.sessions.claimRefreshToken(m.unclaimedToken, new Date()), false);

  await assert.rejects(s.users.create(newUserInput({ phone: m.phoneOfA })), duplicateKey("phone"), `${label}: unique phone`);
  await assert.rejects(
    s.groups.create({ id: m.groupId, name: "again", description: "", is_public: true, owner_id: newId(), avatar_url: null, created_at: new Date() }, []),
    duplicateKey("id"),
    `${label}: unique group id`,
  );
  assert.equal((await s.conversations.ensure({ key: m.coupleKey, type: "couple", public_id: "x", mode: null, created_at: new Date() }, [])).created, false, `${label}: the conversation exists`);
  assert.equal(await s.users.linkPartners(m.users[0]!, m.users[2]!), "a_taken", `${label}: the partner link holds`);
  assert.equal(await s.conversations.addMember(m.coupleKey, { user_id: m.users[0]!, role: "member", joined_at: new Date() }), false, `${label}: members are unique`);
  await assertModerationContinues(s, m, label);
}

async function stopAll(opened: (OpenedStorage | undefined)[]) {
  for (const o of opened) await o?.stop();
}

export function copyContract(_get: GetStorage, ctx: SuiteContext): void {
  describe("copy", () => {
    it("count() counts each table; page() pages in a stable order, at most `limit` rows, ending with next=null", async () => {
      const src = await ctx.openFresh();
      try {
        await fill(src.storage);
        assert.deepEqual(await counts(src.storage), EXPECTED_COUNTS);
        for (const table of COPY_TABLES) {
          const whole = (await src.storage.copy.page(table, null, 10_000)).rows;
          assert.equal(whole.length, EXPECTED_COUNTS[table], `${table}: one big page holds every row`);
          assert.deepEqual(await readTable(src.storage, table, PAGE), whole, `${table}: pages of ${PAGE} give the same rows in the same order`);
          assert.deepEqual(await readTable(src.storage, table, 1), whole, `${table}: pages of 1 too`);
          assert.equal(new Set(whole.map((r) => JSON.stringify(r))).size, whole.length, `${table}: no row twice`);
        }
      } finally {
        await src.stop();
      }
    });

    it("page() rows are the repositories' records, dates as Date", async () => {
      const src = await ctx.openFresh();
      try {
        const s = src.storage;
        const m = await fill(s);
        const rows = async (t: CopyTable) => (await s.copy.page(t, null, 10_000)).rows;
        const sortBy = <T>(xs: T[], k: (x: T) => string) => [...xs].sort((p, q) => (k(p) < k(q) ? -1 : k(p) > k(q) ? 1 : 0));
        const id = (r: unknown) => String((r as { id: unknown }).id);
        assert.deepEqual(sortBy(await rows("users"), id), sortBy(await s.users.byIds(m.users), id), "users");
        assert.deepEqual(sortBy(await rows("sessions"), id), sortBy(await s.sessions.sessions(m.sessions), id), "sessions");
        assert.deepEqual(sortBy(await rows("refresh_tokens"), id), sortBy([(await s.sessions.refreshToken(m.claimedToken))!, (await s.sessions.refreshToken(m.unclaimedToken))!], id), "refresh_tokens");
        assert.deepEqual(sortBy(await rows("partner_requests"), id), sortBy(await Promise.all(m.requests.map(async (r) => (await s.partnerRequests.byId(r))!)), id), "partner_requests");
        const key = (r: unknown) => String((r as { key: unknown }).key);
        assert.deepEqual(sortBy(await rows("conversations"), key), sortBy(await Promise.all(m.conversations.map(async (c) => (await s.conversations.byKey(c.key))!)), key), "conversations");
        const mk = (r: unknown) => `${String((r as { conversation_key: unknown }).conversation_key)} ${String((r as { user_id: unknown }).user_id)}`;
        assert.deepEqual(sortBy(await rows("members"), mk), sortBy((await Promise.all(m.conversations.map((c) => s.conversations.members(c.key)))).flat(), mk), "members");
        assert.deepEqual(sortBy(await rows("messages"), id), sortBy((await Promise.all(m.conversations.map((c) => s.messages.latest(c.key, 100)))).flat(), id), "messages");
        const seq = (r: unknown) => String((r as { seq: unknown }).seq).padStart(6, "0");
        const events = new Map<number, unknown>();
        for (const u of m.users) for (const e of await s.events.after(0, u, m.eventKeys, 100)) events.set(e.seq, e);
        assert.deepEqual(sortBy(await rows("events"), seq), sortBy([...events.values()], seq), "events");
        const [streamRow] = await rows("stream");
        const st = await s.events.stream();
        assert.deepEqual([(streamRow as { epoch?: unknown }).epoch, (streamRow as { pruned_through?: unknown }).pruned_through], [st.epoch, st.pruned_through], "stream: epoch and pruned_through");
        assert.deepEqual(await rows("groups"), [await s.groups.byId(m.groupId)], "groups");
        assert.deepEqual(await rows("profiles"), [await s.profiles.get(m.users[0]!)], "profiles");
        assert.deepEqual(sortBy(await rows("sticker_packs"), id), sortBy((await s.stickers.list()).filter((p) => m.packs.includes(p.id)), id), "sticker_packs");
        assert.deepEqual(await rows("uploads"), [await s.uploads.byUrl(m.uploadUrls[0]!)], "uploads");
        assert.deepEqual(await rows("push_subscriptions"), await s.pushSubscriptions.ofUser(m.users[0]!), "push_subscriptions");
        await assertModerationRows(s, m, rows);
        const pair = (r: unknown) => `${String((r as { blocker_id: unknown }).blocker_id)} ${String((r as { blocked_id: unknown }).blocked_id)}`;
        assert.deepEqual(sortBy(await rows("blocks"), pair), sortBy(await s.blocks.involving(m.users), pair), "blocks");
        assert.deepEqual(sortBy(await rows("audit_events"), id), sortBy(await s.audit.ofUser(m.users[0]!, null, 100), id), "audit_events");
      } finally {
        await src.stop();
      }
    });

    it(`${ctx.kind} → fresh ${ctx.kind}: every table page by page, twice (idempotent), then a changed row replaces the copy`, async () => {
      let src: OpenedStorage | undefined;
      let dst: OpenedStorage | undefined;
      try {
        src = await ctx.openFresh();
        dst = await ctx.openFresh();
        const m = await fill(src.storage);
        const first = await copyAll(src.storage, dst.storage);
        assert.deepEqual(first, EXPECTED_COUNTS, "rows copied per table");
        await assertSameData(src.storage, dst.storage, m, "after one copy");
        await copyAll(src.storage, dst.storage);
        assert.deepEqual(await counts(dst.storage), EXPECTED_COUNTS, "a second copy duplicates nothing");
        await assertSameData(src.storage, dst.storage, m, "after two copies");

        // Upserts replace: a change in the source reaches the copy on the next run.
        await src.storage.users.update(m.users[2]!, { display_name: "Changed" });
        await src.storage.messages.toggleReaction(m.coupleKey, m.edited.id, m.users[2]!, { emoji: "🎉", at: at("2030-02-01T00:00:00.000Z"), username: "c" });
        await src.storage.conversations.markRead(m.coupleKey, m.users[1]!, 3, at("2030-02-01T00:00:01.000Z"));
        await copyAll(src.storage, dst.storage);
        assert.deepEqual(await counts(dst.storage), EXPECTED_COUNTS);
        await assertSameData(src.storage, dst.storage, m, "after a change and a third copy");
        assert.equal((await dst.storage.users.byId(m.users[2]!))!.display_name, "Changed");

        await assertItContinues(dst.storage, m, "the copy");
      } finally {
        await stopAll([src, dst]);
      }
    });

    for (const other of ctx.others) {
      const skip = other.available() ? false : `${other.source} does not exist`;
      it(`${other.name} → ${ctx.kind} → ${other.name}: the data survives both ways`, { skip }, async () => {
        let a: OpenedStorage | undefined;
        let b: OpenedStorage | undefined;
        let c: OpenedStorage | undefined;
        try {
          a = await other.open();
          b = await ctx.openFresh();
          c = await other.open();
          const m = await fill(a.storage);
          for (let i = 0; i < 2; i++) assert.deepEqual(await copyAll(a.storage, b.storage), EXPECTED_COUNTS, `${other.name} → ${ctx.kind}, run ${i + 1}`);
          assert.deepEqual(await counts(b.storage), EXPECTED_COUNTS);
          await assertSameData(a.storage, b.storage, m, `${other.name} → ${ctx.kind}`);
          for (let i = 0; i < 2; i++) assert.deepEqual(await copyAll(b.storage, c.storage), EXPECTED_COUNTS, `${ctx.kind} → ${other.name}, run ${i + 1}`);
          await assertSameData(b.storage, c.storage, m, `${ctx.kind} → ${other.name}`);
          await assertSameData(a.storage, c.storage, m, `${other.name} → ${ctx.kind} → ${other.name}`);
          await assertItContinues(b.storage, m, `the ${ctx.kind} copy`);
          await assertItContinues(c.storage, m, `the ${other.name} copy of the copy`);
        } finally {
          await stopAll([a, b, c]);
        }
      });
    }
  });
}
