// Two nodes sharing Redis and the database: a logout or a partner link on one node reaches
// the other node's handshake caches over the Socket.IO adapter, well within their TTL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectClient, connected } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { useTwoNodes } from "../support/two-nodes.ts";
import { until } from "../support/wait.ts";

/** Polls until `check` holds; the message between nodes takes a few ms, the TTL 30 s. */
const within = (ms: number, check: () => Promise<boolean>) => until(check, ms, 50);

for (const adapter of ["streams", "pubsub"] as const) {
  describe(`handshake caches across two nodes, ${adapter} adapter`, () => {
    const nodes = useTwoNodes(adapter);

    it("a logout on one node is refused by the other node's next handshake within 2 s", async () => {
      const u = await buildUser(api(nodes.n1.url));
      const s = await connected(connectClient(nodes.n2.url, "groups", u.token)); // node 2 caches the session as live
      s.disconnect();
      assert.equal((await api(nodes.n1.url).call("POST", "/api/auth/logout", { token: u.token })).status, 204);
      const refused = await within(2_000, async () => {
        const again = connectClient(nodes.n2.url, "groups", u.token);
        try {
          await connected(again);
          return false;
        } catch (e) {
          return (e as { data?: { code?: string } }).data?.code === "unauthorized";
        } finally {
          again.close();
        }
      });
      assert.ok(refused, "node 2 still accepted the logged-out session");
    });

    it("a partner link on one node reaches the other node's cached user facts", async () => {
      const [a, b] = [await buildUser(api(nodes.n1.url)), await buildUser(api(nodes.n1.url))];
      const facts2 = nodes.n2.app.services.userFacts;
      assert.equal((await facts2.get(a.id))?.partnerId, null);
      const req = await api(nodes.n1.url).post("/api/partners/request", { recipient_id: b.id }, a.token);
      assert.equal((await api(nodes.n1.url).post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, b.token)).status, 204);
      assert.ok(await within(2_000, async () => (await facts2.get(a.id))?.partnerId === b.id));
    });
  });
}
