// PushSubscriptionRepository (src/push/push-subscription.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PushSubscriptionRecord } from "../../../src/push/push-subscription.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import { at, type GetStorage } from "./helpers.ts";

function webpush(over: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord {
  return {
    id: newId(),
    user_id: newId(),
    session_id: newId(),
    type: "webpush",
    address: `https://push.example.com/send/${newId()}`,
    keys: { p256dh: "BPk-key", auth: "auth-secret" },
    platform: null,
    created_at: at("2030-01-01T00:00:00.000Z"),
    ...over,
  };
}

const byId = (a: PushSubscriptionRecord, b: PushSubscriptionRecord) => (a.id < b.id ? -1 : 1);

export function pushSubscriptionsContract(get: GetStorage): void {
  describe("push subscriptions", () => {
    it("upsert stores and returns it; byId, ofUser and ofUsers read it back", async () => {
      const s = get();
      const w = webpush();
      const f: PushSubscriptionRecord = { ...webpush({ user_id: w.user_id }), type: "fcm", address: `token-${newId()}`, keys: null, platform: "android", created_at: at("2030-01-01T00:00:01.000Z") };
      assert.deepEqual(await s.pushSubscriptions.upsert(w), w);
      assert.deepEqual(await s.pushSubscriptions.upsert(f), f);
      assert.deepEqual(await s.pushSubscriptions.byId(w.id), w);
      assert.deepEqual(await s.pushSubscriptions.ofUser(w.user_id), [w, f]);
      const other = await s.pushSubscriptions.upsert(webpush());
      assert.deepEqual((await s.pushSubscriptions.ofUsers([w.user_id, other.user_id, newId()])).sort(byId), [w, f, other].sort(byId));
      assert.deepEqual(await s.pushSubscriptions.ofUsers([]), []);
      assert.equal(await s.pushSubscriptions.byId(newId()), null);
    });

    it("the same device registering again takes its record over, keeping the id", async () => {
      const s = get();
      const first = await s.pushSubscriptions.upsert(webpush());
      const again = webpush({ address: first.address, keys: { p256dh: "new-key", auth: "new-auth" }, created_at: at("2030-01-02T00:00:00.000Z") });
      const stored = await s.pushSubscriptions.upsert(again);
      assert.deepEqual(stored, { ...again, id: first.id });
      assert.deepEqual(await s.pushSubscriptions.ofUser(first.user_id), [], "the previous owner no longer has it");
      assert.deepEqual(await s.pushSubscriptions.ofUser(again.user_id), [stored]);
    });

    it("remove and removeOfSession delete only what they name", async () => {
      const s = get();
      const session = newId();
      const a = await s.pushSubscriptions.upsert(webpush({ session_id: session }));
      const b = await s.pushSubscriptions.upsert(webpush({ session_id: session, user_id: a.user_id }));
      const kept = await s.pushSubscriptions.upsert(webpush({ user_id: a.user_id }));
      assert.equal(await s.pushSubscriptions.remove(a.id), true);
      assert.equal(await s.pushSubscriptions.remove(a.id), false);
      assert.equal(await s.pushSubscriptions.removeOfSession(session), 1);
      assert.equal(await s.pushSubscriptions.byId(b.id), null);
      assert.deepEqual(await s.pushSubscriptions.ofUser(a.user_id), [kept]);
    });

    it("an address is data, never a query: operators and dots are stored as they are", async () => {
      const s = get();
      const odd = webpush({ address: "https://push.example.com/$where.x", user_id: "{\"$ne\":null}" });
      assert.deepEqual(await s.pushSubscriptions.upsert(odd), odd);
      assert.deepEqual(await s.pushSubscriptions.ofUser(odd.user_id), [odd]);
    });
  });
}
