// Two server processes' worth of app (in-process here) sharing Redis and the database:
// a couple, a DM pair and a group split across the nodes talk in real time, for both
// Redis adapters. Presence is correct across nodes and devices.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect, connectAs, nextEvent, requestOk } from "../support/clients.ts";
import { closeAndSettle, flush } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { useTwoNodes } from "../support/two-nodes.ts";

for (const adapter of ["streams", "pubsub"] as const) {
  describe(`two nodes, ${adapter} adapter`, () => {
    const nodes = useTwoNodes(adapter);

    it("a couple on different nodes chats, with presence across nodes and devices", async () => {
      const { a, b, chatId } = await buildCouple(api(nodes.n1.url));
      const sb = await connectAs(nodes.n2.url, "couples", b.token);
      const online = nextEvent(sb, "user_presence_update", (p) => p.user_id === a.id && p.status === "online");
      const sa1 = await connectAs(nodes.n1.url, "couples", a.token);
      await online;
      const sa2 = await connectAs(nodes.n2.url, "couples", a.token, ["polling"]); // a second device
      const offline = collect(sb, "user_presence_update");

      const got = nextEvent(sb, "new_message");
      await requestOk(sa1, "send_message", { chat_id: chatId, client_message_id: "x1", text: "across nodes" });
      assert.equal((await got).message.text, "across nodes");
      const reply = nextEvent(sa2, "new_message", (p) => p.message.sender.id === b.id);
      await requestOk(sb, "send_message", { chat_id: chatId, client_message_id: "y1", text: "back" });
      assert.equal((await reply).message.text, "back", "the other device on the other node gets it too");

      // Node 1 handles the close (presence included), then its marker to B (on node 2)
      // follows whatever node 1 emitted about it through Redis.
      await closeAndSettle(nodes.n1.app, sa1);
      await flush(nodes.n1.app, sb);
      assert.equal(offline.filter((p) => p.status === "offline").length, 0, "still online on the second device");
      const wentOffline = nextEvent(sb, "user_presence_update", (p) => p.status === "offline");
      sa2.close();
      const p = await wentOffline;
      assert.equal(p.user_id, a.id);
      assert.ok(p.last_seen);
      sb.close();
    });

    it("a DM and a group span both nodes; an outsider hears nothing", async () => {
      const rest = api(nodes.n2.url);
      const [a, b, c, outsider] = [await buildUser(rest), await buildUser(rest), await buildUser(rest), await buildUser(rest)];
      const groupId = await buildGroup(rest, a, [b, c]);
      const ga = await connectAs(nodes.n1.url, "groups", a.token);
      const gb = await connectAs(nodes.n2.url, "groups", b.token, ["polling"]);
      const gc = await connectAs(nodes.n1.url, "groups", c.token);
      const go = await connectAs(nodes.n2.url, "groups", outsider.token);
      const heardByOutsider = collect(go, "new_message");
      const toB = nextEvent(gb, "new_message");
      const toC = nextEvent(gc, "new_message");
      await requestOk(ga, "send_message", { chat_id: groupId, client_message_id: "g1", text: "hello group" });
      assert.equal((await toB).message.seq, 1);
      assert.equal((await toC).message.seq, 1);

      const dmId = dmIdOf(a, b);
      const da = await connectAs(nodes.n1.url, "dm", a.token);
      const db2 = await connectAs(nodes.n2.url, "dm", b.token);
      const dmGot = nextEvent(db2, "new_message");
      await requestOk(da, "send_message", { chat_id: dmId, client_message_id: "d1", text: "psst" });
      assert.equal((await dmGot).message.conversation_id, dmId);
      // The group's message reached B and C: a copy node 1 wrongly sent the outsider was emitted
      // too, and node 1's marker follows it through Redis to node 2.
      await flush(nodes.n1.app, go);
      assert.equal(heardByOutsider.length, 0);
      for (const s of [ga, gb, gc, go, da, db2]) s.close();
    });
  });
}
