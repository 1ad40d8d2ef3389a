// The sessions a user can see and end, end to end: GET /api/auth/sessions shows each login's
// device (from its User-Agent), address (the client's, from distinct loopback addresses) and
// times, the caller's marked; DELETE /api/auth/sessions/:id ends one at once (its socket is
// told and disconnected, its refresh token and access token refused); end-others keeps the
// caller's; another user's session is a 404 and stays alive.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectAs, nextEvent } from "../support/clients.ts";
import { callFrom } from "../support/from-address.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { uniquePhone } from "../support/factories.ts";

const CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack.stop());

/** A device: calls from its own loopback address with its own User-Agent. */
function device(ip: string, userAgent: string) {
  const call = (method: string, path: string, opts: { token?: string; json?: unknown } = {}) =>
    callFrom(ip, stack.url, method, path, { ...opts, headers: { "user-agent": userAgent } });
  return {
    ip,
    call,
    get: (path: string, token: string) => call("GET", path, { token }),
    post: (path: string, json: unknown, token?: string) => call("POST", path, { json, ...(token ? { token } : {}) }),
    del: (path: string, token: string) => call("DELETE", path, { token }),
    refresh: (refreshToken: string) => call("POST", "/api/auth/refresh", { token: refreshToken }),
  };
}
const laptop = device("127.0.0.2", CHROME_LINUX);
const phone = device("127.0.0.3", SAFARI_IPHONE);
const tablet = device("127.0.0.4", FIREFOX_WINDOWS);

const disconnected = (socket: { once(e: "disconnect", f: (reason: string) => void): unknown }) => new Promise<string>((resolve) => socket.once("disconnect", resolve));

/** A user registered on the laptop and logged in on the phone. */
async function twoDevices() {
  const phoneNumber = uniquePhone();
  const password = "correct horse battery";
  const reg = await laptop.post("/api/auth/register", { phone: phoneNumber, password, display_name: "Sessions" });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const login = await phone.post("/api/auth/login", { username: phoneNumber, password });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return { phoneNumber, password, laptopAuth: reg.body, phoneAuth: login.body };
}

const sessionsOf = async (token: string) => {
  const res = await laptop.get("/api/auth/sessions", token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.sessions as { id: string; device: string | null; ip: string | null; created_at: string; last_used_at: string; expires_at: string; current: boolean }[];
};

describe("GET /api/auth/sessions", () => {
  it("lists each login with its device, address, creation and last use, the caller's marked current", async () => {
    const { laptopAuth, phoneAuth } = await twoDevices();
    const fromLaptop = await sessionsOf(laptopAuth.access_token);
    assert.deepEqual(
      fromLaptop.map((s) => [s.device, s.ip, s.current]),
      [
        ["Safari on iPhone", phone.ip, false],
        ["Chrome on Linux", laptop.ip, true],
      ],
    );
    for (const s of fromLaptop) {
      assert.ok(Date.parse(s.last_used_at) >= Date.parse(s.created_at), "last used is not before created");
      assert.ok(Date.parse(s.expires_at) > Date.now());
    }
    const fromPhone = await sessionsOf(phoneAuth.access_token);
    assert.deepEqual(fromPhone.map((s) => s.current), [true, false], "the phone's own session is the current one there");
    assert.equal((await stack.api.get("/api/auth/sessions")).status, 401);
  });

  it("a refresh moves the session's last use, device and address to the refreshing client", async () => {
    const { laptopAuth, phoneAuth } = await twoDevices();
    const [before] = (await sessionsOf(laptopAuth.access_token)).filter((s) => !s.current);
    const refreshed = await tablet.refresh(phoneAuth.refresh_token); // the phone's session, refreshed from elsewhere
    assert.equal(refreshed.status, 200);
    const [after] = (await sessionsOf(laptopAuth.access_token)).filter((s) => !s.current);
    assert.equal(after!.id, before!.id);
    assert.deepEqual([after!.device, after!.ip], ["Firefox on Windows", tablet.ip]);
    assert.ok(Date.parse(after!.last_used_at) >= Date.parse(before!.last_used_at));
  });
});

describe("DELETE /api/auth/sessions/:id", () => {
  it("ends the session at once: its socket is told and disconnected, its refresh and access tokens refused", async () => {
    const { laptopAuth, phoneAuth } = await twoDevices();
    const socket = await connectAs(stack.url, "dm", phoneAuth.access_token);
    try {
      const told = nextEvent(socket, "session_ended", () => true, 2000);
      const gone = disconnected(socket);
      const [target] = (await sessionsOf(laptopAuth.access_token)).filter((s) => !s.current);
      const res = await laptop.del(`/api/auth/sessions/${target!.id}`, laptopAuth.access_token);
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assert.deepEqual(await told, { reason: "session_revoked" });
      assert.equal(await gone, "io server disconnect");

      const refresh = await phone.refresh(phoneAuth.refresh_token);
      assert.deepEqual([refresh.status, refresh.body.error.code], [401, "token_revoked"]);
      assert.equal((await phone.get("/api/users/me", phoneAuth.access_token)).status, 401);
      await assert.rejects(connectAs(stack.url, "dm", phoneAuth.access_token), "a new handshake of the ended session is refused");
      assert.deepEqual((await sessionsOf(laptopAuth.access_token)).map((s) => s.current), [true], "only the laptop's is left");
      assert.equal((await laptop.del(`/api/auth/sessions/${target!.id}`, laptopAuth.access_token)).status, 204, "ending it again is done already");
    } finally {
      socket.close();
    }
  });

  it("answers 404 for another user's session (which stays alive) and for an unknown id", async () => {
    const mine = await twoDevices();
    const theirs = await twoDevices();
    const [target] = await sessionsOf(theirs.phoneAuth.access_token);
    const res = await laptop.del(`/api/auth/sessions/${target!.id}`, mine.laptopAuth.access_token);
    assert.deepEqual([res.status, res.body.error.code], [404, "not_found"]);
    assert.equal((await sessionsOf(theirs.phoneAuth.access_token)).length, 2, "their sessions are untouched");
    assert.equal((await phone.refresh(theirs.phoneAuth.refresh_token)).status, 200);
    assert.equal((await laptop.del("/api/auth/sessions/0123456789abcdef", mine.laptopAuth.access_token)).status, 404);
    assert.equal((await laptop.del("/api/auth/sessions/not%20an%20id", mine.laptopAuth.access_token)).status, 400);
  });

  it("ending the caller's own session is a logout", async () => {
    const { laptopAuth } = await twoDevices();
    const [own] = (await sessionsOf(laptopAuth.access_token)).filter((s) => s.current);
    assert.equal((await laptop.del(`/api/auth/sessions/${own!.id}`, laptopAuth.access_token)).status, 204);
    assert.equal((await laptop.get("/api/users/me", laptopAuth.access_token)).status, 401);
  });
});

describe("POST /api/auth/sessions/end-others", () => {
  it("ends every other session, their sockets included, and keeps the caller's", async () => {
    const { phoneNumber, password, laptopAuth, phoneAuth } = await twoDevices();
    const tabletAuth = (await tablet.post("/api/auth/login", { username: phoneNumber, password })).body;
    const [phoneSocket, laptopSocket] = [await connectAs(stack.url, "groups", phoneAuth.access_token), await connectAs(stack.url, "groups", laptopAuth.access_token)];
    try {
      const gone = disconnected(phoneSocket);
      const res = await laptop.post("/api/auth/sessions/end-others", undefined, laptopAuth.access_token);
      assert.deepEqual([res.status, res.body], [200, { sessions_ended: 2 }]);
      assert.equal(await gone, "io server disconnect");
      assert.equal(laptopSocket.connected, true, "the caller's own socket stays");
      assert.deepEqual((await sessionsOf(laptopAuth.access_token)).map((s) => [s.device, s.current]), [["Chrome on Linux", true]]);
      assert.equal((await tablet.refresh(tabletAuth.refresh_token)).status, 401);
      assert.equal((await laptop.refresh(laptopAuth.refresh_token)).status, 200, "the caller's own still refreshes");
      const again = await laptop.post("/api/auth/sessions/end-others", undefined, laptopAuth.access_token);
      assert.deepEqual(again.body, { sessions_ended: 0 });
    } finally {
      phoneSocket.close();
      laptopSocket.close();
    }
  });
});
