// Two nodes sharing Redis and the database: a block or unblock on one node reaches the other
// node's block cache over the Socket.IO adapter (the cluster bus), well within its TTL; a
// break-up on one node closes the chat for a client of the other at once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCouple, buildUser } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { useTwoNodes } from "../support/two-nodes.ts";
import { until } from "../support/wait.ts";

/** Polls until `check` holds; the message between nodes takes a few ms, the TTL 30 s. */
const within = (ms: number, check: () => Promise<boolean>) => until(check, ms, 50);

for (const adapter of ["streams", "pubsub"] as const) {
  describe(`blocks and break-ups across two nodes, ${adapter} adapter`, () => {
    const nodes = useTwoNodes(adapter);

    it("a block and an unblock on one node reach the other node's cached checks", async () => {
      const [a, b] = [await buildUser(api(nodes.n1.url)), await buildUser(api(nodes.n1.url))];
      const blocks2 = nodes.n2.app.services.blocks;
      assert.equal(await blocks2.between(a.id, b.id), false, "node 2 caches: no block");
      assert.equal((await api(nodes.n1.url).post("/api/blocks", { user_id: b.id }, a.token)).status, 201);
      assert.ok(await within(2_000, () => blocks2.between(b.id, a.id)), "node 2 learned the block");
      const dm = `dm:${[a.username, b.username].sort().join("|")}`;
      const refused = await api(nodes.n2.url).post(`/api/dm/${encodeURIComponent(dm)}/message`, { text: "hi" }, b.token);
      assert.equal(refused.body?.error?.code, "blocked");
      assert.equal((await api(nodes.n1.url).del(`/api/blocks/${b.id}`, a.token)).status, 204);
      assert.ok(await within(2_000, async () => !(await blocks2.between(a.id, b.id))), "node 2 learned the unblock");
    });

    it("a break-up on one node: the other node refuses the chat at once, and a new link there is never refused", async () => {
      const { a, b, chatId } = await buildCouple(api(nodes.n1.url));
      const paths = `/api/chats/${chatId}/messages`;
      assert.equal((await api(nodes.n2.url).post(paths, { text: "before" }, a.token)).status, 201, "node 2 caches them as partners");
      assert.equal((await api(nodes.n1.url).post("/api/partners/break-up", {}, b.token)).status, 200);
      assert.ok(await within(2_000, async () => (await api(nodes.n2.url).post(paths, { text: "after" }, a.token)).body?.error?.code === "chat_closed"));
      // Linked again on node 1: node 2 may still cache "not partners", which it confirms with a read.
      const req = await api(nodes.n1.url).post("/api/partners/request", { recipient_id: b.id }, a.token);
      assert.equal((await api(nodes.n1.url).post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, b.token)).status, 204);
      assert.equal((await api(nodes.n2.url).post(paths, { text: "again" }, b.token)).status, 201, "open again at once on node 2");
    });
  });
}
