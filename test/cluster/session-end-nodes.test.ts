// Two nodes sharing the database and Redis: ending a session through node A (DELETE
// /api/auth/sessions/:id, or a password change) disconnects its socket on node B at once,
// and node B refuses the session's next handshake and requests.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectAs, nextEvent } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { useTwoNodes } from "../support/two-nodes.ts";

const disconnected = (socket: { once(e: "disconnect", f: (reason: string) => void): unknown }) => new Promise<string>((resolve) => socket.once("disconnect", resolve));

describe("ending a session across two nodes", () => {
  const nodes = useTwoNodes("streams");

  it("a session ended through node 1 has its socket on node 2 told and disconnected at once", async () => {
    const [n1, n2] = [api(nodes.n1.url), api(nodes.n2.url)];
    const u = await buildUser(n1);
    const other = (await n2.post("/api/auth/login", { username: u.phone, password: u.password })).body;
    const socket = await connectAs(nodes.n2.url, "dm", other.access_token);
    try {
      const told = nextEvent(socket, "session_ended", () => true, 3000);
      const gone = disconnected(socket);
      const sessions = (await n1.get("/api/auth/sessions", u.token)).body.sessions as { id: string; current: boolean }[];
      const target = sessions.find((s) => !s.current)!;
      assert.equal((await n1.del(`/api/auth/sessions/${target.id}`, u.token)).status, 204);
      assert.deepEqual(await told, { reason: "session_revoked" });
      assert.equal(await gone, "io server disconnect");
      assert.equal((await n2.get("/api/users/me", other.access_token)).status, 401, "node 2 refuses its access token");
      await assert.rejects(connectAs(nodes.n2.url, "dm", other.access_token), "and its next handshake");
    } finally {
      socket.close();
    }
  });

  it("a password change through node 1 ends the other session's socket on node 2 and keeps the caller's", async () => {
    const [n1, n2] = [api(nodes.n1.url), api(nodes.n2.url)];
    const u = await buildUser(n1);
    const other = (await n2.post("/api/auth/login", { username: u.phone, password: u.password })).body;
    const [theirs, mine] = [await connectAs(nodes.n2.url, "groups", other.access_token), await connectAs(nodes.n2.url, "groups", u.token)];
    try {
      const gone = disconnected(theirs);
      const res = await n1.post("/api/auth/password", { current_password: u.password, new_password: "another good password" }, u.token);
      assert.deepEqual([res.status, res.body], [200, { sessions_ended: 1 }]);
      assert.equal(await gone, "io server disconnect");
      assert.equal(mine.connected, true);
      assert.equal((await n2.get("/api/users/me", u.token)).status, 200);
    } finally {
      theirs.close();
      mine.close();
    }
  });
});
