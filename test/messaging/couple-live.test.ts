// Couples, live: chat modes (incognito included), profile updates to the partner, and
// presence that counts every socket of a user.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ackError, connectClient, connected, nextEvent, requestOk, requestRaw } from "../support/clients.ts";
import { closeAll, closeAndSettle, connectReady, flush, messagePaths, record, send, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true });
});
after(() => stopWhenDrained(stack));

describe("chat modes", () => {
  it("change_chat_mode is stored, announced to both partners and stamped on each message", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", a.token), connectReady(stack.url, "couples", b.token)]);
    try {
      const atA = nextEvent(sa, "chat_mode_changed");
      const atB = nextEvent(sb, "chat_mode_changed");
      const ack = await requestOk(sa, "change_chat_mode", { chat_id: chatId, mode: "fight" });
      assert.deepEqual(ack, { ok: true, chat_id: chatId, mode: "fight" });
      for (const ev of [await atA, await atB]) {
        assert.equal(ev.conversation_id, chatId);
        assert.equal(ev.mode, "fight");
        assert.equal(ev.changed_by, a.id);
        assert.equal(typeof ev.meta?.event_seq, "number");
      }
      assert.equal((await stack.api.get(`/api/chats/${chatId}`, b.token)).body.mode, "fight");
      const m = await send(sb, chatId, "we need to talk");
      assert.equal(m.message.mode, "fight");
      const stored = await stack.api.get(messagePaths("couple", chatId).byId(m.message.id), a.token);
      assert.equal(stored.body.mode, "fight");

      // Not a mode the contract knows: sent untyped, on purpose.
      const bad = ackError(await requestRaw(sa, "change_chat_mode", { chat_id: chatId, mode: "sulking" }));
      assert.equal(bad.code, "validation_error");
      assert.match(bad.message, /mode/);
      assert.equal((await stack.api.get(`/api/chats/${chatId}`, a.token)).body.mode, "fight", "a refused change changes nothing");
    } finally {
      closeAll(sa, sb);
    }
  });

  it("incognito messages are delivered live without a seq, and never reach history, latest or sync", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const paths = messagePaths("couple", chatId);
    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", a.token), connectReady(stack.url, "couples", b.token)]);
    try {
      const before = await send(sa, chatId, "on the record");
      assert.equal(before.message.seq, 1);
      await requestOk(sa, "change_chat_mode", { chat_id: chatId, mode: "incognito" });

      const live = nextEvent(sb, "new_message", (p) => p.message.text === "off the record");
      const acked = nextEvent(sa, "message_ack", (p) => p.seq === null);
      const secret = await send(sa, chatId, "off the record");
      assert.equal(secret.message.seq, null);
      assert.equal(secret.message.mode, "incognito");
      const delivered = await live;
      assert.equal(delivered.message.seq, null);
      assert.equal(delivered.message.mode, "incognito");
      assert.equal(delivered.meta, undefined, "an incognito message has no place in the event stream");
      assert.equal((await acked).message_id, secret.message.id);

      const texts = async (path: string) => (await stack.api.get(path, b.token)).body.messages.map((m: { text: string }) => m.text);
      assert.deepEqual(await texts(paths.history()), ["on the record"]);
      assert.deepEqual(await texts(paths.latest(10)), ["on the record"]);
      assert.equal((await stack.api.get(paths.byId(secret.message.id), b.token)).status, 404);
      const sync = await stack.api.get("/api/events/sync?since=0&limit=1000", b.token);
      assert.ok(!JSON.stringify(sync.body.events).includes("off the record"), "sync must not carry incognito text");
      assert.equal((await stack.api.get(`/api/chats/${chatId}`, b.token)).body.last_seq, 1, "no seq was used");

      await requestOk(sb, "change_chat_mode", { chat_id: chatId, mode: "normal" });
      const after = await send(sb, chatId, "back on the record");
      assert.equal(after.message.seq, 2, "the sequence has no hole where the incognito message was");
      assert.equal(after.message.mode, "normal");
    } finally {
      closeAll(sa, sb);
    }
  });
});

describe("partner notifications", () => {
  it("PUT /api/users/me/profile sends user_profile_update to the partner only", async () => {
    const { a, b } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    const [sa, sb, sc] = await Promise.all([a, b, c].map((u) => connectReady(stack.url, "couples", u.token)));
    try {
      const atA = record(sa!, "user_profile_update");
      const atC = record(sc!, "user_profile_update");
      const got = nextEvent(sb!, "user_profile_update");
      const res = await stack.api.put("/api/users/me/profile", { display_name: "Sunny", mood: "cheerful" }, a.token);
      assert.equal(res.status, 200);
      const ev = await got;
      assert.equal(ev.user.id, a.id);
      assert.equal(ev.user.display_name, "Sunny");
      assert.equal(ev.user.mood, "cheerful");
      // The partner has it: an update wrongly sent to A or C was emitted by now.
      await flush(stack.server.app, sa!, sc!);
      assert.equal(atA.seen.length, 0);
      assert.equal(atC.seen.length, 0);
    } finally {
      closeAll(sa!, sb!, sc!);
    }
  });

  it("presence: online with the first socket, offline with last_seen only when the last socket closes", async () => {
    const { a, b } = await buildCouple(stack.api);
    const sb = await connectReady(stack.url, "couples", b.token);
    try {
      const online = nextEvent(sb, "user_presence_update", (p) => p.user_id === a.id && p.status === "online");
      const first = await connectReady(stack.url, "couples", a.token);
      const ev = await online;
      assert.equal(ev.last_seen, null);
      const updates = record(sb, "user_presence_update");
      // A second device, in another namespace: still one user, still online.
      const second = await connectReady(stack.url, "groups", a.token);
      // Once the server has handled the close (presence included), anything it sent about it was sent.
      await closeAndSettle(stack.server.app, first);
      await flush(stack.server.app, sb);
      assert.deepEqual(updates.seen, [], "no offline (nor a second online) while a socket is left");

      const offline = nextEvent(sb, "user_presence_update", (p) => p.user_id === a.id && p.status === "offline");
      const closedAt = Date.now();
      second.close();
      const gone = await offline;
      assert.ok(gone.last_seen, "offline carries last_seen");
      assert.ok(Math.abs(Date.parse(gone.last_seen!) - closedAt) < 5000);

      // A partner connecting later is told the current status straight away.
      const s2 = connectClient(stack.url, "couples", b.token);
      const status = nextEvent(s2, "user_presence_update", (p) => p.user_id === a.id);
      await connected(s2);
      const now = await status;
      s2.close();
      assert.equal(now.status, "offline");
      assert.equal(now.last_seen, gone.last_seen);
    } finally {
      sb.close();
    }
  });

  it("presence: two sockets in the same namespace also count separately", async () => {
    const { a, b } = await buildCouple(stack.api);
    const sb = await connectReady(stack.url, "couples", b.token);
    try {
      const online = nextEvent(sb, "user_presence_update", (p) => p.user_id === a.id && p.status === "online");
      const [one, two] = [await connectReady(stack.url, "couples", a.token), await connectReady(stack.url, "couples", a.token)];
      await online;
      const updates = record(sb, "user_presence_update");
      await closeAndSettle(stack.server.app, one);
      await flush(stack.server.app, sb);
      assert.deepEqual(updates.seen.filter((p) => p.user_id === a.id), [], "closing one of two sockets says nothing");
      const offline = nextEvent(sb, "user_presence_update", (p) => p.user_id === a.id && p.status === "offline");
      two.close();
      assert.equal((await offline).status, "offline");
    } finally {
      sb.close();
    }
  });
});
