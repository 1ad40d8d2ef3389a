// services.perform, the steps every client operation takes (src/pipeline/operation.ts):
// the conversation resolved under its kind's policy, the actor, tracking in flight.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Caller } from "../../src/pipeline/operation.ts";
import { startServiceWorld, type Chat, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

describe("services.perform", () => {
  let w: ServiceWorld, a: WorldUser, b: WorldUser, outsider: WorldUser, couple: Chat;

  before(async () => {
    w = await startServiceWorld();
    ({ a, b, chat: couple } = await w.couple());
    outsider = await w.user();
  });
  after(() => w.close());

  const target = (chat: Chat) => ({ policy: w.services.policies[chat.kind], chatId: chat.id });

  it("resolves the conversation ref and the actor for a member, with the caller passed through", async () => {
    const caller: Caller = { userId: a.id, sessionId: a.sessionId };
    const ctx = await w.services.perform({ access: "post", actor: true }, caller, target(couple), async (c) => c);
    assert.deepEqual(ctx.caller, caller);
    assert.equal(ctx.ref.type, "couple");
    assert.equal(ctx.ref.ns, "couples");
    assert.equal(ctx.ref.publicId, couple.id);
    assert.equal(ctx.ref.key, `couple:${couple.id}`);
    assert.deepEqual(ctx.ref.memberIds, [a.id, b.id].sort());
    assert.equal(ctx.ref.mode, "normal");
    assert.deepEqual(ctx.actor, { id: a.id, card: { id: a.id, username: a.username, display_name: a.display_name, avatar_url: null } });
  });

  it("gives an outsider the policy's error and never runs the operation", async () => {
    const group = await w.group(a, [b]);
    const publicGroup = await w.group(a, [b], { is_public: true });
    const cases: [Chat, string][] = [
      [couple, "not_found"], // couple chats: not a member looks like not existing
      [group, "not_found"], // a private group is invisible
      [publicGroup, "forbidden"], // a public group answers 403 until the caller joins
      [w.dm(a, b), "forbidden"], // a DM between two other users
    ];
    for (const [chat, code] of cases) {
      let ran = false;
      const op = w.caller(outsider).perform({ access: "read", actor: true }, chat, async () => (ran = true));
      await assert.rejects(op, { code }, `${chat.kind} ${chat.id}`);
      assert.equal(ran, false);
    }
  });

  it("refuses a malformed chat id as a validation_error", async () => {
    await assert.rejects(w.caller(a).ref({ kind: "couple", id: "not-a-chat" }), { code: "validation_error" });
    await assert.rejects(w.caller(a).ref({ kind: "dm", id: `dm:${b.username}|${a.username}` }), { code: "validation_error" }); // unsorted
  });

  it("refuses an operation that declares a conversation but names none", async () => {
    await assert.rejects(w.caller(a).perform({ access: "read" }, undefined, async () => 1), /names none/);
  });

  it("counts a tracked operation in flight until it finishes, and idle() resolves only after", async () => {
    const entered = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const op = w.caller(a).perform({ access: "post", actor: true }, couple, async ({ ref }) => {
      entered.resolve();
      await release.promise;
      return ref.publicId;
    });
    await entered.promise;
    assert.equal(w.services.inflight.count, 1);

    let idle = false;
    const idled = w.services.inflight.idle(60_000).then(() => (idle = true));
    await new Promise((r) => setImmediate(r)); // one turn of the loop: idle() must still be waiting
    assert.equal(idle, false);

    release.resolve();
    assert.equal(await op, couple.id);
    await idled;
    assert.equal(idle, true);
    assert.equal(w.services.inflight.count, 0);
  });

  it("stops counting an operation that fails, in a step or in its run", async () => {
    await assert.rejects(w.caller(outsider).ref(couple), { code: "not_found" });
    await assert.rejects(
      w.caller(a).perform({}, undefined, async () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(w.services.inflight.count, 0);
    await w.services.inflight.idle(60_000); // resolves at once when nothing is in flight
  });

  it("counts concurrent operations separately", async () => {
    const release = Promise.withResolvers<void>();
    const ops = [a, b].map((u) =>
      w.caller(u).perform({ actor: true }, undefined, async ({ actor }) => {
        await release.promise;
        return actor.id;
      }),
    );
    assert.equal(w.services.inflight.count, 2); // counted from the call, before any step resolves
    release.resolve();
    assert.deepEqual(await Promise.all(ops), [a.id, b.id]);
    assert.equal(w.services.inflight.count, 0);
  });
});
