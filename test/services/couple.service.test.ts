// Couples and read state on real SQLite, without sockets: partner request → accept → chat,
// and read positions (never backwards, a receipt per advance).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServiceWorld, type Chat, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

describe("couple service", () => {
  let w: ServiceWorld;
  before(async () => {
    w = await startServiceWorld();
  });
  after(() => w.close());

  it("links two users through request and accept, telling each side, and opens their chat", async () => {
    const [a, b, outsider] = [await w.user(), await w.user(), await w.user()];
    w.fanout.clear();
    const request = await w.services.couples.request(a.id, b.id);
    assert.equal(request.status, "pending");
    const [sent] = w.fanout.emitted("partner_request");
    assert.deepEqual([sent?.ns, sent?.rooms], ["couples", [`user:${b.id}`]]);
    assert.equal(sent?.payload.request.id, request.id);
    assert.deepEqual((await w.services.couples.listRequests(b.id)).incoming.map((r) => r.id), [request.id]);
    await assert.rejects(w.services.couples.respond(a.id, request.id, "accept"), { code: "not_found" }, "only the recipient answers");

    w.fanout.clear();
    await w.services.couples.respond(b.id, request.id, "accept");
    assert.equal(await w.services.couples.partnerOf(a.id), b.id);
    assert.equal(await w.services.couples.partnerOf(b.id), a.id);
    const linked = w.fanout.emitted("partner_linked");
    const chatId = [a.id, b.id].sort().join("_");
    assert.deepEqual(linked.map((e) => [e.rooms, e.payload.partner.id, e.payload.chat_id]).sort(), [
      [[`user:${a.id}`], b.id, chatId],
      [[`user:${b.id}`], a.id, chatId],
    ].sort());

    const chat = await w.services.couples.myChat(a.id);
    assert.equal(chat?.id, chatId);
    assert.deepEqual(chat?.members.map((m) => m.id).sort(), [a.id, b.id].sort());
    assert.equal((await w.caller(b).ref({ kind: "couple", id: chatId })).key, `couple:${chatId}`);
    await assert.rejects(w.caller(outsider).ref({ kind: "couple", id: chatId }), { code: "not_found" });
  });

  it("refuses a request to or from someone already partnered, and a second request between the same two", async () => {
    const { a, b } = await w.couple();
    const [c, d] = [await w.user(), await w.user()];
    await assert.rejects(w.services.couples.request(c.id, a.id), { code: "bad_request" });
    await assert.rejects(w.services.couples.request(b.id, c.id), { code: "bad_request" });
    await w.services.couples.request(c.id, d.id);
    await assert.rejects(w.services.couples.request(d.id, c.id), { code: "bad_request" }, "crossing requests");
  });

  it("cancels the other pending requests of both once they are linked", async () => {
    const [a, b, c] = [await w.user(), await w.user(), await w.user()];
    const ab = await w.services.couples.request(a.id, b.id);
    await w.services.couples.request(c.id, b.id);
    await w.services.couples.respond(b.id, ab.id, "accept");
    assert.deepEqual(await w.services.couples.listRequests(c.id), { incoming: [], outgoing: [] });
  });

  it("answers a request once when accept and reject race", async () => {
    const [a, b] = [await w.user(), await w.user()];
    const request = await w.services.couples.request(a.id, b.id);
    w.fanout.clear();
    const results = await Promise.allSettled([w.services.couples.respond(b.id, request.id, "accept"), w.services.couples.respond(b.id, request.id, "reject")]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    const linked = (await w.services.couples.partnerOf(a.id)) === b.id;
    assert.equal(w.fanout.emitted("partner_request").length, linked ? 0 : 1, "the sender hears one answer");
  });

  describe("read state", () => {
    let a: WorldUser, b: WorldUser, chat: Chat;
    before(async () => {
      ({ a, b, chat } = await w.couple());
      for (const text of ["one", "two", "three"]) await w.caller(a).send(chat, text);
    });

    it("moves a read position forward and emits a durable read_receipt to both members", async () => {
      w.fanout.clear();
      assert.equal((await w.caller(b).markRead(chat, 2)).seq, 2);
      const [receipt, ...more] = w.fanout.emitted("read_receipt");
      assert.equal(more.length, 0);
      assert.deepEqual(receipt?.rooms.sort(), [`user:${a.id}`, `user:${b.id}`].sort());
      assert.deepEqual([receipt?.payload.user_id, receipt?.payload.seq, receipt?.payload.conversation_id], [b.id, 2, chat.id]);
      assert.equal(typeof receipt?.payload.meta?.event_seq, "number");
      const seen = await w.services.couples.myChat(b.id);
      assert.deepEqual([seen?.read_seq, seen?.unread_count, seen?.read_positions[b.id]], [2, 1, 2]);
    });

    it("never moves a read position backwards, and a late receipt emits nothing", async () => {
      w.fanout.clear();
      assert.equal((await w.caller(b).markRead(chat, 1)).seq, 2);
      assert.deepEqual(w.fanout.emitted("read_receipt"), []);
      assert.equal((await w.services.couples.myChat(b.id))?.read_seq, 2);
    });

    it("refuses a position beyond the newest message", async () => {
      await assert.rejects(w.caller(b).markRead(chat, 4), { code: "validation_error" });
      assert.equal((await w.caller(b).markRead(chat, 3)).seq, 3);
      assert.equal((await w.services.couples.myChat(b.id))?.unread_count, 0);
    });

    it("keeps each member's position separate", async () => {
      const mine = await w.services.couples.myChat(a.id);
      assert.deepEqual([mine?.read_seq, mine?.read_positions[b.id]], [0, 3]);
      assert.equal(mine?.unread_count, 0, "a's own messages are never unread for a");
    });

    it("emits no second read_receipt for a duplicate of the current position", async () => {
      w.fanout.clear();
      await w.caller(b).markRead(chat, 3);
      assert.deepEqual(w.fanout.emitted("read_receipt"), []);
    });
  });
});
