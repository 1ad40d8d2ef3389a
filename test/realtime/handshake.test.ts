import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import jwt from "jsonwebtoken";
import { connectClient, connected, nextEvent, requestOk, type Transport } from "../support/clients.ts";
import { buildUser, type TestUser } from "../support/factories.ts";
import { TEST_SECRETS } from "../support/server.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let user: TestUser;
before(async () => {
  stack = await startStack({ redis: true });
  user = await buildUser(stack.api);
});
after(() => stack.stop());

const namespaces = ["couples", "groups", "dm"] as const;
const transports: Transport[][] = [["websocket"], ["polling"]];

for (const t of transports) {
  describe(`handshake over ${t[0]}`, () => {
    for (const ns of namespaces) {
      it(`/${ns} accepts a valid token (auth.token and ?token=) and says where the stream stands`, async () => {
        const s = connectClient(stack.url, ns, user.token, { transports: t });
        const session = nextEvent(s, "session");
        await connected(s);
        const info = await session;
        assert.equal(info.user_id, user.id);
        assert.equal(typeof info.epoch, "string");
        assert.equal(s.io.engine.transport.name, t[0]);
        const hb = await requestOk(s, "HEARTBEAT", {});
        assert.ok(!Number.isNaN(Date.parse(hb.ts)), `HEARTBEAT answers the server's time: ${JSON.stringify(hb)}`);
        s.disconnect();

        const q = connectClient(stack.url, ns, undefined, { transports: t, query: { token: user.token } });
        await connected(q);
        q.disconnect();
      });

      it(`/${ns} refuses a missing, bad, expired or refresh token with a connect_error saying why`, async () => {
        const cases: [string | undefined, string][] = [
          [undefined, "unauthorized"],
          ["garbage", "unauthorized"],
          [jwt.sign({ typ: "access", sid: "s", exp: Math.floor(Date.now() / 1000) - 5 }, TEST_SECRETS.access, { subject: user.id, issuer: "chat-server", audience: "chat-clients" }), "token_expired"],
          [user.refresh, "unauthorized"],
        ];
        for (const [token, code] of cases) {
          const s = connectClient(stack.url, ns, token, { transports: t });
          const err = await connected(s).then(
            () => assert.fail("should not connect"),
            (e: Error & { data?: { code: string; message: string } }) => e,
          );
          assert.equal(err.data?.code, code, `token ${String(token).slice(0, 12)}`);
          assert.ok(err.data?.message);
          s.close();
        }
      });
    }
  });
}
