// Breaking up on real SQLite, without sockets: both partners are told (durably), the chat
// becomes read-only history (writes refused with chat_closed, reads and retractions work),
// each may link again (with someone else: a new chat; with each other: the same chat, open
// again), and a break-up is announced once even when both partners end it at once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServiceWorld, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

describe("break-up service", () => {
  let w: ServiceWorld;
  before(async () => {
    w = await startServiceWorld();
  });
  after(() => w.close());

  const link = async (a: WorldUser, b: WorldUser) => {
    const r = await w.services.couples.request(a.id, b.id);
    await w.services.couples.respond(b.id, r.id, "accept");
  };

  it("unlinks both, tells each (durable, naming the other and the chat), and forgets the cached partner", async () => {
    const { a, b, chat } = await w.couple();
    assert.equal((await w.services.userFacts.get(a.id))?.partnerId, b.id, "cached before");
    w.fanout.clear();
    const result = await w.services.couples.breakUp(a.id);
    assert.deepEqual(result, { partner_id: b.id, chat_id: chat.id });
    assert.equal(await w.services.couples.partnerOf(a.id), null);
    assert.equal(await w.services.couples.partnerOf(b.id), null);
    const told = w.fanout.emitted("partner_unlinked");
    assert.deepEqual(
      told.map((e) => [e.ns, e.rooms, e.payload.partner_id, e.payload.chat_id, e.payload.ended_by]).sort(),
      [
        ["couples", [`user:${a.id}`], b.id, chat.id, a.id],
        ["couples", [`user:${b.id}`], a.id, chat.id, a.id],
      ].sort(),
    );
    for (const e of told) assert.equal(typeof e.payload.meta?.event_seq, "number", "durable: replayable by sync");
    assert.equal((await w.services.userFacts.get(a.id))?.partnerId, null, "the cached facts were forgotten (presence stops)");
    assert.equal(await w.services.presence.partnerStatusOf(b.id), null);
    await assert.rejects(w.services.couples.breakUp(b.id), { code: "conflict" }, "nothing left to end");
    await assert.rejects(w.services.couples.thinkingOfYou(a.id, b.id), { code: "forbidden" });
  });

  it("leaves the chat as read-only history: writes refused with chat_closed, reads, receipts and retractions work", async () => {
    const { a, b, chat } = await w.couple();
    const { message: mine } = await w.caller(a).send(chat, "before");
    const { message: theirs } = await w.caller(b).send(chat, "also before");
    await w.services.couples.breakUp(b.id);

    for (const who of [a, b]) {
      await assert.rejects(w.caller(who).send(chat, "after"), { code: "chat_closed", status: 409 });
      await assert.rejects(w.caller(who).ref(chat, "write"), { code: "chat_closed" }, "typing, mode changes");
    }
    await assert.rejects(w.caller(a).edit(chat, mine.id, "edited"), { code: "chat_closed" });
    await assert.rejects(w.caller(a).react(chat, theirs.id, "❤️"), { code: "chat_closed" });

    const ref = await w.caller(a).ref(chat);
    assert.deepEqual((await w.services.messages.history(ref, { limit: 10 })).map((m) => m.text), ["before", "also before"]);
    assert.equal((await w.caller(a).markRead(chat, 2)).seq, 2);
    assert.equal((await w.caller(a).remove(chat, mine.id)).deleted, true, "taking back one's own words stays possible");
    await assert.rejects(w.caller((await w.user())).ref(chat), { code: "not_found" }, "outsiders still see nothing");
  });

  it("lists the closed chat after the open one, flagged closed", async () => {
    const { a, b, chat } = await w.couple();
    await w.services.couples.breakUp(a.id);
    const c = await w.user();
    await link(a, c);
    const { chats } = await w.services.couples.listChats(a.id);
    const newChat = [a.id, c.id].sort().join("_");
    assert.deepEqual(chats.map((x) => [x.id, x.closed]), [[newChat, false], [chat.id, true]]);
    assert.equal((await w.services.couples.describeChat(`couple:${chat.id}`, b.id)).closed, true);
    await w.caller(a).send({ kind: "couple", id: newChat }, "a new chat with the new partner");
  });

  it("lets the same two link again: their chat opens again, history and all", async () => {
    const { a, b, chat } = await w.couple();
    await w.caller(a).send(chat, "first time");
    await w.services.couples.breakUp(a.id);
    await assert.rejects(w.caller(b).send(chat, "closed"), { code: "chat_closed" });
    w.fanout.clear();
    await link(b, a);
    const [linked] = w.fanout.emitted("partner_linked");
    assert.equal(linked?.payload.chat_id, chat.id, "the same chat");
    const { message } = await w.caller(b).send(chat, "second time");
    assert.equal(message.seq, 2, "the history goes on");
    assert.equal((await w.services.couples.myChat(a.id))?.closed, false);
  });

  it("announces a break-up once when both partners end it at the same time", async () => {
    const { a, b } = await w.couple();
    w.fanout.clear();
    const results = await Promise.allSettled([w.services.couples.breakUp(a.id), w.services.couples.breakUp(b.id)]);
    assert.ok(results.some((r) => r.status === "fulfilled"));
    for (const r of results) if (r.status === "rejected") assert.equal((r.reason as { code: string }).code, "conflict");
    assert.equal(w.fanout.emitted("partner_unlinked").length, 2, "one event to each, not two");
    assert.equal(await w.services.couples.partnerOf(a.id), null);
    assert.equal(await w.services.couples.partnerOf(b.id), null);
  });
});
