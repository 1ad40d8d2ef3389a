// The message service on real SQLite, without sockets: seqs, idempotency, edit/delete
// rules, reactions, and what each change fans out (recorded by the world's fanout).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServiceWorld, type Chat, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

describe("message service", () => {
  let w: ServiceWorld, a: WorldUser, b: WorldUser, couple: Chat, group: Chat, dm: Chat;

  before(async () => {
    w = await startServiceWorld();
    ({ a, b, chat: couple } = await w.couple());
    group = await w.group(a, [b]);
    dm = w.dm(a, b);
  });
  after(() => w.close());

  it("assigns gap-free seqs 1..n to concurrent sends in a new conversation", async () => {
    const c = w.dm(a, await w.user());
    await w.caller(a).send(c, "first"); // the DM exists from its first message
    const rest = await Promise.all([2, 3, 4, 5, 6].map((i) => w.caller(a).send(c, `m${i}`)));
    assert.deepEqual(rest.map((r) => r.message.seq).sort((x, y) => x! - y!), [2, 3, 4, 5, 6]);
    const ref = await w.caller(a).ref(c);
    const history = await w.services.messages.history(ref, { limit: 50, after_seq: 0 });
    assert.deepEqual(history.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
  });

  it("returns the stored message as a duplicate for a repeated client_message_id, with no second new_message", async () => {
    w.fanout.clear();
    const first = await w.caller(a).send(couple, { text: "once", client_message_id: "idem-1" });
    const again = await w.caller(a).send(couple, { text: "once", client_message_id: "idem-1" });
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.message, first.message);
    assert.equal(w.fanout.emitted("new_message").length, 1);
    assert.deepEqual(w.fanout.emitted("message_ack").map((e) => e.payload.duplicate), [false, true]);
  });

  it("scopes client_message_id to its sender: another conversation is a conflict, another sender is a new message", async () => {
    const mine = await w.caller(a).send(couple, { client_message_id: "idem-2" });
    await assert.rejects(w.caller(a).send(group, { client_message_id: "idem-2" }), { code: "conflict" });
    const theirs = await w.caller(b).send(couple, { client_message_id: "idem-2" });
    assert.equal(theirs.duplicate, false);
    assert.notEqual(theirs.message.id, mine.message.id);
  });

  it("forbids an edit by anyone but the sender, and records the previous text on the sender's edit", async () => {
    const { message } = await w.caller(a).send(couple, "draft");
    await assert.rejects(w.caller(b).edit(couple, message.id, "hijacked"), { code: "forbidden" });
    w.fanout.clear();
    const edited = await w.caller(a).edit(couple, message.id, "final");
    assert.equal(edited.text, "final");
    assert.equal(edited.edited, true);
    assert.deepEqual(edited.edits.map((e) => e.text), ["draft"]);
    assert.equal(w.fanout.emitted("message_updated")[0]?.payload.message.text, "final");
  });

  it("deletes into a tombstone that keeps its seq, and refuses edits and reactions on it", async () => {
    const { message } = await w.caller(a).send(couple, "regret");
    await assert.rejects(w.caller(b).remove(couple, message.id), { code: "forbidden" });
    const gone = await w.caller(a).remove(couple, message.id);
    assert.equal(gone.deleted, true);
    assert.equal(gone.text, "");
    assert.equal(gone.seq, message.seq);
    const ref = await w.caller(a).ref(couple);
    const [stored] = await w.services.messages.history(ref, { limit: 1, after_seq: message.seq! - 1 });
    assert.equal(stored?.id, message.id);
    assert.equal(stored?.deleted, true);
    assert.equal((await w.caller(a).remove(couple, message.id)).deleted, true, "deleting twice is harmless");
    await assert.rejects(w.caller(a).edit(couple, message.id, "again"), { code: "conflict" });
    await assert.rejects(w.caller(b).react(couple, message.id, "👍"), { code: "conflict" });
  });

  it("toggles a reaction on and off, with a per-emoji summary", async () => {
    const { message } = await w.caller(a).send(group, "react to me");
    assert.deepEqual((await w.caller(b).react(group, message.id, "👍")).summary, { "👍": 1 });
    const both = await w.caller(a).react(group, message.id, "👍");
    assert.deepEqual(both.summary, { "👍": 2 });
    assert.deepEqual(Object.keys(both.reactions).sort(), [a.id, b.id].sort());
    const off = await w.caller(b).react(group, message.id, "👍");
    assert.deepEqual(off.summary, { "👍": 1 });
    assert.deepEqual(Object.keys(off.reactions), [a.id]);
    assert.equal(w.fanout.emitted("message_reaction_update", { room: `conv:${group.id}` }).at(-1)?.payload.summary["👍"], 1);
  });

  for (const kind of ["couple", "dm"] as const) {
    it(`logs new_message in the event log and emits it to both members' user rooms (${kind})`, async () => {
      const chat = kind === "couple" ? couple : dm;
      const since = await w.services.eventLog.lastSeq();
      w.fanout.clear();
      const { message } = await w.caller(a).send(chat, `to both (${kind})`);
      const ref = await w.caller(b).ref(chat);

      const [emit, ...more] = w.fanout.emitted("new_message");
      assert.equal(more.length, 0);
      assert.equal(emit?.ns, ref.ns);
      assert.deepEqual(emit?.rooms.sort(), [`user:${a.id}`, `user:${b.id}`].sort());
      assert.equal(emit?.payload.message.id, message.id);
      assert.equal(typeof emit?.payload.meta?.event_seq, "number");

      const page = await w.services.eventLog.sync(b.id, [ref.key], since, undefined, 50);
      const logged = page.events.filter((e) => e.type === "new_message");
      assert.deepEqual(logged.map((e) => (e.data.message as { id: string }).id), [message.id]);
      assert.equal(logged[0]?.event_seq, emit?.payload.meta?.event_seq);
    });
  }

  it("emits a group's new_message to the group's room, and acks the sender's user room without a durable event", async () => {
    w.fanout.clear();
    const { message } = await w.caller(b).send(group, { text: "hi all", client_message_id: "ack-1" });
    const [emit] = w.fanout.emitted("new_message");
    assert.deepEqual(emit?.rooms, [`conv:${group.id}`]);
    assert.equal(emit?.ns, "groups");

    const acks = w.fanout.emitted("message_ack");
    assert.equal(acks.length, 1);
    assert.deepEqual(acks[0]?.rooms, [`user:${b.id}`]);
    assert.deepEqual(acks[0]?.payload, { client_message_id: "ack-1", message_id: message.id, conversation_id: group.id, seq: message.seq, duplicate: false });
    assert.equal("meta" in (acks[0]?.payload ?? {}), false, "an ack is not durable: no event_seq");
  });
});
