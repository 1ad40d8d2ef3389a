// MessageRepository (src/messaging/message.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Media, ReplyTo, StickerRef } from "../../../src/contract/models.ts";
import type { MessageRecord } from "../../../src/messaging/message.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, card, keyFor, messageInput, newConversation, range, type GetStorage, type SuiteContext } from "./helpers.ts";

const seqs = (ms: readonly MessageRecord[]) => ms.map((m) => m.seq);

const MEDIA: Media = { original: "https://cdn.example/o.jpg", preview: "https://cdn.example/p.jpg", thumbnail: "https://cdn.example/t.jpg", type: "image", bytes: 12345, width: 640, height: 480 };
const STICKER: StickerRef = { pack_id: "pack-a", sticker_id: "s1", url: "/stickers/pack-a/s1.svg" };

async function conversationWithMessages(s: Storage, sender: string, n: number) {
  const c = await newConversation(s, { members: [{ user_id: sender, role: "owner" }] });
  const messages: MessageRecord[] = [];
  for (let i = 0; i < n; i++) messages.push((await s.messages.append(messageInput(c.key, sender, { text: `m${i + 1}` }))).message);
  return { key: c.key, messages };
}

export function messagesContract(get: GetStorage, ctx: SuiteContext): void {
  describe("messages", () => {
    it("append stores the message with seq 1, 2, 3 and the sent state; byId returns it", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s, { members: [{ user_id: u, role: "owner" }] });
      const reply: ReplyTo = { message_id: newId(), sender: card(newId()), text: "quoted", timestamp: "2030-01-01T00:00:00.000Z", kind: "image", media: MEDIA };
      const inputs = [
        messageInput(c.key, u, { text: "first", mode: "normal" }),
        messageInput(c.key, u, { text: "", kind: "image", media: MEDIA, reply_to: reply }),
        messageInput(c.key, u, { text: "", kind: "sticker", sticker: STICKER, mode: "fight" }),
      ];
      for (let i = 0; i < inputs.length; i++) {
        const r = await s.messages.append(inputs[i]!);
        assert.equal(r.created, true);
        assert.deepEqual(r.message, {
          ...inputs[i]!,
          seq: i + 1,
          edited: false,
          last_edited_at: null,
          edits: [],
          deleted: false,
          deleted_at: null,
          reactions: {},
        });
        assert.deepEqual(await s.messages.byId(c.key, inputs[i]!.id), r.message);
      }
      assert.equal(await s.messages.lastSeq(c.key), 3);
    });

    it("append raises the conversation's last_seq and last_message_at", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s);
      const t1 = at("2030-01-01T00:00:01.000Z");
      await s.messages.append(messageInput(c.key, u, { created_at: t1 }));
      let conv = await s.conversations.byKey(c.key);
      assert.deepEqual({ last_seq: conv!.last_seq, last_message_at: conv!.last_message_at }, { last_seq: 1, last_message_at: t1 });
      const t2 = at("2030-01-01T00:00:02.000Z");
      await s.messages.append(messageInput(c.key, u, { created_at: t2 }));
      conv = await s.conversations.byKey(c.key);
      assert.deepEqual({ last_seq: conv!.last_seq, last_message_at: conv!.last_message_at }, { last_seq: 2, last_message_at: t2 });
      // A message stamped earlier (another node's clock) raises last_seq but does not lower last_message_at.
      await s.messages.append(messageInput(c.key, u, { created_at: at("2030-01-01T00:00:00.500Z") }));
      conv = await s.conversations.byKey(c.key);
      assert.deepEqual({ last_seq: conv!.last_seq, last_message_at: conv!.last_message_at }, { last_seq: 3, last_message_at: t2 });
      assert.deepEqual(conv, { ...c, last_seq: 3, last_message_at: t2 }, "nothing else changed");
    });

    it("under 30 concurrent appends, last_seq is at least the seq of every append that has resolved", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s);
      const checks = range(1, 30).map(async () => {
        const { message } = await s.messages.append(messageInput(c.key, u));
        const conv = await s.conversations.byKey(c.key);
        assert.ok(conv!.last_seq >= message.seq, `last_seq ${conv!.last_seq} >= ${message.seq} once that append resolved`);
      });
      await Promise.all(checks);
      assert.equal((await s.conversations.byKey(c.key))!.last_seq, 30);
    });

    it("200 concurrent appends over 3 conversations: seq 1..n in each, no gap, no duplicate", async () => {
      const s = get();
      const u = newId();
      const convs = [await newConversation(s), await newConversation(s), await newConversation(s)];
      const inputs = range(0, 199).map((i) => messageInput(convs[i % 3]!.key, u, { text: `m${i}` }));
      const results = await Promise.all(inputs.map((m) => s.messages.append(m)));
      for (const r of results) assert.equal(r.created, true);
      for (const c of convs) {
        const mine = results.filter((r) => r.message.conversation_key === c.key);
        const n = inputs.filter((m) => m.conversation_key === c.key).length;
        assert.equal(mine.length, n);
        assert.deepEqual(
          mine.map((r) => r.message.seq).sort((a, b) => a - b),
          range(1, n),
          `${c.key}: seqs 1..${n}`,
        );
        assert.equal(await s.messages.lastSeq(c.key), n);
        assert.equal((await s.conversations.byKey(c.key))!.last_seq, n);
        const stored = await s.messages.latest(c.key, 1000);
        assert.deepEqual(seqs(stored), range(1, n));
        const bySeq = new Map(mine.map((r) => [r.message.seq, r.message.id]));
        for (const m of stored) assert.equal(m.id, bySeq.get(m.seq), "the stored message at each seq is the one append returned");
      }
    });

    it("two nodes: 100 concurrent appends over both are 1..100; retries and 10 concurrent identical appends over both give one message", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        const u = newId();
        const c = await newConversation(a);
        const inputs = range(1, 100).map(() => messageInput(c.key, u));
        const results = await Promise.all(inputs.map((m, i) => (i % 2 ? a : b).messages.append(m)));
        assert.deepEqual(
          results.map((r) => r.message.seq).sort((x, y) => x - y),
          range(1, 100),
        );
        for (const node of [a, b]) {
          assert.equal(await node.messages.lastSeq(c.key), 100);
          assert.equal((await node.conversations.byKey(c.key))!.last_seq, 100);
        }
        const retries = await Promise.all(range(1, 10).map((i) => (i % 2 ? a : b).messages.append({ ...inputs[0]! })));
        for (const r of retries) assert.deepEqual([r.created, r.message.id, r.message.seq], [false, inputs[0]!.id, results[0]!.message.seq]);
        for (let round = 1; round <= 5; round++) {
          const fresh = messageInput(c.key, u);
          const raced = await Promise.all(range(1, 10).map((i) => (i % 2 ? a : b).messages.append({ ...fresh })));
          assert.equal(raced.filter((r) => r.created).length, 1, `round ${round}: created once across the nodes`);
          assert.equal(await a.messages.lastSeq(c.key), 100 + round);
        }
      } finally {
        await pair.stop();
      }
    });

    it("a repeated client_message_id returns the original with created=false and uses no seq", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s);
      const first = await s.messages.append(messageInput(c.key, u, { client_message_id: "cmid-1", text: "original" }));
      const again = await s.messages.append(messageInput(c.key, u, { client_message_id: "cmid-1", text: "retry" }));
      assert.equal(again.created, false);
      assert.deepEqual(again.message, first.message);
      const next = await s.messages.append(messageInput(c.key, u, { client_message_id: "cmid-2" }));
      assert.equal(next.message.seq, 2, "no gap after a duplicate");
      assert.equal(await s.messages.lastSeq(c.key), 2);
      assert.deepEqual(seqs(await s.messages.latest(c.key, 10)), [1, 2]);
    });

    it("the same client_message_id from the sender in another conversation returns the original; another sender's is a new message", async () => {
      const s = get();
      const [u, v] = [newId(), newId()];
      const c1 = await newConversation(s);
      const c2 = await newConversation(s);
      const cmid = `cm-${newId()}`;
      const first = await s.messages.append(messageInput(c1.key, u, { client_message_id: cmid }));
      const elsewhere = await s.messages.append(messageInput(c2.key, u, { client_message_id: cmid }));
      assert.equal(elsewhere.created, false);
      assert.deepEqual(elsewhere.message, first.message, "the original, in its own conversation");
      assert.equal(await s.messages.lastSeq(c2.key), 0, "nothing stored in the other conversation");
      const byOther = await s.messages.append(messageInput(c1.key, v, { client_message_id: cmid }));
      assert.equal(byOther.created, true);
      assert.equal(byOther.message.seq, 2);
    });

    it("10 concurrent identical appends: exactly one created, all return it, one seq used", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s);
      for (let round = 0; round < 3; round++) {
        const input = messageInput(c.key, u);
        const results = await Promise.all(range(1, 10).map(() => s.messages.append({ ...input })));
        assert.equal(results.filter((r) => r.created).length, 1, `round ${round}: created once`);
        for (const r of results) assert.deepEqual(r.message, results.find((x) => x.created)!.message);
        assert.equal(results[0]!.message.seq, round + 1);
        assert.equal(await s.messages.lastSeq(c.key), round + 1, "no seq was spent on the duplicates");
      }
      const next = await s.messages.append(messageInput(c.key, u));
      assert.equal(next.message.seq, 4);
    });

    it("byId only finds a message within its own conversation", async () => {
      const s = get();
      const u = newId();
      const { key, messages } = await conversationWithMessages(s, u, 1);
      const other = await newConversation(s);
      assert.deepEqual(await s.messages.byId(key, messages[0]!.id), messages[0]);
      assert.equal(await s.messages.byId(other.key, messages[0]!.id), null);
      assert.equal(await s.messages.byId(key, newId()), null);
    });

    it("latest / after / beforeSeq / beforeTime / atTime: ordering, bounds and limits", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s);
      const noise = await newConversation(s);
      const base = Date.parse("2030-01-01T00:00:00.000Z");
      // seq 1..9 at base + seq s; seq 10, 11, 12 all at base + 10 s.
      const timeOf = (seq: number) => new Date(base + Math.min(seq, 10) * 1000);
      for (let seq = 1; seq <= 12; seq++) {
        await s.messages.append(messageInput(c.key, u, { text: `m${seq}`, created_at: timeOf(seq) }));
        await s.messages.append(messageInput(noise.key, u, { created_at: timeOf(seq) }));
      }
      const noiseOnly = new Date(base + 13_000);
      await s.messages.append(messageInput(noise.key, u, { created_at: noiseOnly }));
      const all = await s.messages.latest(c.key, 100);
      assert.deepEqual(seqs(all), range(1, 12));
      assert.deepEqual(
        all.map((m) => m.text),
        range(1, 12).map((i) => `m${i}`),
      );
      for (const m of all) assert.equal(m.conversation_key, c.key);

      assert.deepEqual(seqs(await s.messages.latest(c.key, 5)), [8, 9, 10, 11, 12]);
      assert.deepEqual(seqs(await s.messages.latest(c.key, 1)), [12]);
      assert.deepEqual(await s.messages.latest(keyFor("group"), 5), []);

      assert.deepEqual(seqs(await s.messages.after(c.key, 3, 4)), [4, 5, 6, 7]);
      assert.deepEqual(seqs(await s.messages.after(c.key, 0, 100)), range(1, 12));
      assert.deepEqual(seqs(await s.messages.after(c.key, 10, 100)), [11, 12]);
      assert.deepEqual(await s.messages.after(c.key, 12, 5), []);

      assert.deepEqual(seqs(await s.messages.beforeSeq(c.key, 6, 3)), [3, 4, 5]);
      assert.deepEqual(seqs(await s.messages.beforeSeq(c.key, 2, 10)), [1]);
      assert.deepEqual(seqs(await s.messages.beforeSeq(c.key, 100, 2)), [11, 12]);
      assert.deepEqual(await s.messages.beforeSeq(c.key, 1, 10), []);

      assert.deepEqual(seqs(await s.messages.beforeTime(c.key, timeOf(6), 3)), [3, 4, 5], "strictly before");
      assert.deepEqual(seqs(await s.messages.beforeTime(c.key, new Date(base + 6500), 2)), [5, 6]);
      assert.deepEqual(seqs(await s.messages.beforeTime(c.key, timeOf(10), 100)), range(1, 9));
      assert.deepEqual(seqs(await s.messages.beforeTime(c.key, new Date(base + 60_000), 4)), [9, 10, 11, 12]);
      assert.deepEqual(await s.messages.beforeTime(c.key, timeOf(1), 10), []);

      assert.equal((await s.messages.atTime(c.key, timeOf(4)))?.seq, 4);
      assert.equal((await s.messages.atTime(c.key, timeOf(10)))?.seq, 10, "the lowest seq of several at that time");
      assert.equal(await s.messages.atTime(c.key, new Date(base + 4500)), null);
      assert.equal(await s.messages.atTime(c.key, noiseOnly), null, "a message of another conversation at that time does not count");
      assert.deepEqual(await s.messages.atTime(c.key, timeOf(4)), all[3]);
    });

    it("lastSeq is 0 for an empty or unknown conversation", async () => {
      const s = get();
      const c = await newConversation(s);
      assert.equal(await s.messages.lastSeq(c.key), 0);
      assert.equal(await s.messages.lastSeq(keyFor("dm")), 0);
    });

    it("edit sets the text, marks it edited and keeps the previous texts in edits", async () => {
      const s = get();
      const u = newId();
      const { key, messages } = await conversationWithMessages(s, u, 2);
      const m = messages[0]!;
      const t1 = at("2030-02-01T00:00:01.000Z");
      const e1 = await s.messages.edit(key, m.id, "second version", t1);
      assert.deepEqual(e1, { ...m, text: "second version", edited: true, last_edited_at: t1, edits: [{ text: m.text, edited_at: t1 }] });
      const t2 = at("2030-02-01T00:00:02.000Z");
      const e2 = await s.messages.edit(key, m.id, "third version", t2);
      assert.deepEqual(e2, {
        ...m,
        text: "third version",
        edited: true,
        last_edited_at: t2,
        edits: [
          { text: m.text, edited_at: t1 },
          { text: "second version", edited_at: t2 },
        ],
      });
      assert.deepEqual(await s.messages.byId(key, m.id), e2);
      assert.deepEqual(await s.messages.byId(key, messages[1]!.id), messages[1], "the other message is untouched");
      assert.equal(await s.messages.edit(key, newId(), "x", new Date()), null, "missing");
      assert.equal(await s.messages.edit(keyFor("group"), m.id, "x", new Date()), null, "not in that conversation");
      assert.deepEqual(await s.messages.byId(key, m.id), e2);
    });

    it("tombstone wipes text, media, sticker, reply_to, edits and reactions, keeps the seq; edit of it is null", async () => {
      const s = get();
      const [u, v] = [newId(), newId()];
      const c = await newConversation(s);
      await s.messages.append(messageInput(c.key, u));
      const reply: ReplyTo = { message_id: newId(), sender: card(v), text: "quoted", timestamp: "2030-01-01T00:00:00.000Z" };
      const { message: m } = await s.messages.append(messageInput(c.key, u, { text: "secret", kind: "image", media: MEDIA, sticker: STICKER, reply_to: reply }));
      await s.messages.edit(c.key, m.id, "secret 2", new Date());
      await s.messages.toggleReaction(c.key, m.id, v, { emoji: "❤️", at: new Date(), username: "v" });
      await s.messages.append(messageInput(c.key, u));
      const t = at("2030-03-03T03:03:03.003Z");
      const d = await s.messages.tombstone(c.key, m.id, t);
      assert.ok(d);
      assert.deepEqual(
        { ...d, edited: false, last_edited_at: null },
        { ...m, text: "", media: null, sticker: null, reply_to: null, edits: [], reactions: {}, deleted: true, deleted_at: t, edited: false, last_edited_at: null },
      );
      assert.equal(d.seq, 2);
      assert.deepEqual(await s.messages.byId(c.key, m.id), d);
      assert.deepEqual(seqs(await s.messages.latest(c.key, 10)), [1, 2, 3], "the tombstone keeps its place");
      assert.equal(await s.messages.edit(c.key, m.id, "revived", new Date()), null, "a deleted message cannot be edited");
      assert.deepEqual(await s.messages.byId(c.key, m.id), d);
      assert.equal(await s.messages.tombstone(c.key, newId(), new Date()), null, "missing");
      assert.equal(await s.messages.tombstone(keyFor("group"), m.id, new Date()), null, "not in that conversation");
      assert.equal(await s.messages.lastSeq(c.key), 3);
      assert.equal((await s.messages.append(messageInput(c.key, u))).message.seq, 4);
    });

    it("toggleReaction adds, replaces, removes with the same emoji, keeps users apart; null when missing or deleted", async () => {
      const s = get();
      const [u, v, w] = [newId(), newId(), newId()];
      const { key, messages } = await conversationWithMessages(s, u, 1);
      const m = messages[0]!;
      const t1 = at("2030-04-01T00:00:01.000Z");
      const r1 = await s.messages.toggleReaction(key, m.id, v, { emoji: "👍", at: t1, username: "vee" });
      assert.deepEqual(r1, { ...m, reactions: { [v]: { emoji: "👍", at: t1, username: "vee" } } });
      const t2 = at("2030-04-01T00:00:02.000Z");
      const r2 = await s.messages.toggleReaction(key, m.id, w, { emoji: "😂", at: t2, username: "dub" });
      assert.deepEqual(r2!.reactions, { [v]: { emoji: "👍", at: t1, username: "vee" }, [w]: { emoji: "😂", at: t2, username: "dub" } });
      const t3 = at("2030-04-01T00:00:03.000Z");
      const r3 = await s.messages.toggleReaction(key, m.id, v, { emoji: "🔥", at: t3, username: "vee" });
      assert.deepEqual(r3!.reactions, { [v]: { emoji: "🔥", at: t3, username: "vee" }, [w]: { emoji: "😂", at: t2, username: "dub" } }, "another emoji replaces v's");
      const r4 = await s.messages.toggleReaction(key, m.id, v, { emoji: "🔥", at: new Date(), username: "vee" });
      assert.deepEqual(r4!.reactions, { [w]: { emoji: "😂", at: t2, username: "dub" } }, "the same emoji again removes v's");
      assert.deepEqual(await s.messages.byId(key, m.id), r4);
      assert.deepEqual({ ...r4!, reactions: {} }, m, "nothing else changed");

      assert.equal(await s.messages.toggleReaction(key, newId(), v, { emoji: "👍", at: new Date(), username: "vee" }), null, "missing");
      assert.equal(await s.messages.toggleReaction(keyFor("group"), m.id, v, { emoji: "👍", at: new Date(), username: "vee" }), null, "not in that conversation");
      await s.messages.tombstone(key, m.id, new Date());
      assert.equal(await s.messages.toggleReaction(key, m.id, v, { emoji: "👍", at: new Date(), username: "vee" }), null, "deleted");
      assert.deepEqual((await s.messages.byId(key, m.id))!.reactions, {});
    });

    it("10 concurrent reactions of different users are all kept", async () => {
      const s = get();
      const u = newId();
      const { key, messages } = await conversationWithMessages(s, u, 1);
      const users = range(1, 10).map(() => newId());
      const t = at("2030-04-02T00:00:00.000Z");
      const results = await Promise.all(users.map((x, i) => s.messages.toggleReaction(key, messages[0]!.id, x, { emoji: `e${i}`, at: t, username: `n${i}` })));
      for (const r of results) assert.ok(r);
      const expected = Object.fromEntries(users.map((x, i) => [x, { emoji: `e${i}`, at: t, username: `n${i}` }]));
      assert.deepEqual((await s.messages.byId(key, messages[0]!.id))!.reactions, expected);
    });

    it("toggleReaction is atomic per message: 10 concurrent identical toggles by one user cancel out, 11 leave it set", async () => {
      const s = get();
      const [u, v] = [newId(), newId()];
      const { key, messages } = await conversationWithMessages(s, u, 2);
      const reaction = { emoji: "👍", at: at("2030-04-03T00:00:00.000Z"), username: "vee" };
      await Promise.all(range(1, 10).map(() => s.messages.toggleReaction(key, messages[0]!.id, v, reaction)));
      assert.deepEqual((await s.messages.byId(key, messages[0]!.id))!.reactions, {}, "an even number of toggles");
      await Promise.all(range(1, 11).map(() => s.messages.toggleReaction(key, messages[1]!.id, v, reaction)));
      assert.deepEqual((await s.messages.byId(key, messages[1]!.id))!.reactions, { [v]: reaction }, "an odd number of toggles");
    });

    it("two nodes: toggleReaction is atomic per message across nodes too (10 identical toggles over both cancel out, 11 leave it set)", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        const [u, v] = [newId(), newId()];
        const { key, messages } = await conversationWithMessages(a, u, 2);
        const reaction = { emoji: "👍", at: at("2030-04-03T00:00:00.000Z"), username: "vee" };
        for (let round = 0; round < 3; round++) {
          await Promise.all(range(1, 10).map((i) => (i % 2 ? a : b).messages.toggleReaction(key, messages[0]!.id, v, reaction)));
          assert.deepEqual((await a.messages.byId(key, messages[0]!.id))!.reactions, {}, `round ${round}: an even number of toggles`);
        }
        await Promise.all(range(1, 11).map((i) => (i % 2 ? a : b).messages.toggleReaction(key, messages[1]!.id, v, reaction)));
        assert.deepEqual((await b.messages.byId(key, messages[1]!.id))!.reactions, { [v]: reaction }, "an odd number of toggles");
      } finally {
        await pair.stop();
      }
    });

    it("emoji and usernames with '.', '$', NUL and __proto__ round-trip as values", async () => {
      const s = get();
      const u = newId();
      const { key, messages } = await conversationWithMessages(s, u, 1);
      const odd = ["a.b", "$set", "$", "x\u0000y", "__proto__", "constructor", "{\"$gt\":1}"];
      const users = odd.map(() => newId());
      const t = at("2030-04-04T00:00:00.000Z");
      for (let i = 0; i < odd.length; i++) await s.messages.toggleReaction(key, messages[0]!.id, users[i]!, { emoji: odd[i]!, at: t, username: `${odd[i]}.${i}` });
      const got = (await s.messages.byId(key, messages[0]!.id))!.reactions;
      assert.deepEqual(
        Object.keys(got).sort(),
        [...users].sort(),
      );
      for (let i = 0; i < odd.length; i++) assert.deepEqual(got[users[i]!], { emoji: odd[i], at: t, username: `${odd[i]}.${i}` }, JSON.stringify(odd[i]));
      assert.equal(Object.getPrototypeOf(got), Object.prototype, "reactions is a plain object");
      // The same odd emoji again removes it.
      await s.messages.toggleReaction(key, messages[0]!.id, users[4]!, { emoji: "__proto__", at: t, username: "x" });
      assert.equal(Object.hasOwn((await s.messages.byId(key, messages[0]!.id))!.reactions, users[4]!), false);
    });

    it("message text with '.', '$', NUL and __proto__ round-trips", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s);
      for (const text of ["a.b $set", "x\u0000y", "__proto__", "{\"$where\":\"1\"}", "😀 naïve — ünïcödé"]) {
        const { message } = await s.messages.append(messageInput(c.key, u, { text }));
        assert.equal((await s.messages.byId(c.key, message.id))!.text, text);
      }
    });

    it("unreadCounts: messages after the position from other senders that are not deleted", async () => {
      const s = get();
      const [u, v, w] = [newId(), newId(), newId()];
      const c1 = await newConversation(s);
      const c2 = await newConversation(s);
      const c3 = await newConversation(s);
      const send = async (key: string, from: string) => (await s.messages.append(messageInput(key, from))).message;
      await send(c1.key, v); // 1
      await send(c1.key, u); // 2: own
      await send(c1.key, v); // 3
      const deleted = await send(c1.key, w); // 4: deleted
      await send(c1.key, v); // 5
      await send(c1.key, u); // 6: own
      await s.messages.tombstone(c1.key, deleted.id, new Date());
      await send(c2.key, v);
      await send(c2.key, w);
      await send(c3.key, u);

      const counts = await s.messages.unreadCounts(u, [
        { key: c1.key, afterSeq: 0 },
        { key: c2.key, afterSeq: 0 },
        { key: c3.key, afterSeq: 0 },
      ]);
      assert.equal(counts.get(c1.key), 3);
      assert.equal(counts.get(c2.key), 2);
      assert.equal(counts.get(c3.key) ?? 0, 0, "only own messages");

      const unknown = keyFor("dm");
      const later = await s.messages.unreadCounts(u, [
        { key: c1.key, afterSeq: 3 },
        { key: c2.key, afterSeq: 2 },
        { key: unknown, afterSeq: 0 },
      ]);
      assert.equal(later.get(c1.key), 1, "only seq 5 is after 3, from another sender and not deleted");
      assert.equal(later.get(c2.key) ?? 0, 0);
      assert.equal(later.get(unknown) ?? 0, 0);
      assert.equal(later.get(c3.key), undefined, "no count for a conversation that was not asked about");

      const forV = await s.messages.unreadCounts(v, [{ key: c1.key, afterSeq: 0 }]);
      assert.equal(forV.get(c1.key), 2, "v's own messages do not count for v (seq 2 and 6 from u)");
      assert.equal((await s.messages.unreadCounts(u, [])).size, 0);
    });
  });
}
