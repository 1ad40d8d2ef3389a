// AuditRepository (src/audit/audit.repository.ts), and the password hash a password change
// writes (UserRepository.setPasswordHash).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditRecord } from "../../../src/audit/audit.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import { at, newUserInput, withFresh, type GetStorage, type SuiteContext } from "./helpers.ts";

function event(userId: string, iso: string, over: Partial<AuditRecord> = {}): AuditRecord {
  return { id: newId(), user_id: userId, type: "login", at: at(iso), ip: "203.0.113.7", device: "Chrome on Linux", data: { session_id: newId() }, ...over };
}

export function auditContract(get: GetStorage, ctx: SuiteContext): void {
  describe("audit", () => {
    it("append then ofUser returns the user's events only, newest first, every field as stored", async () => {
      const s = get();
      const [user, other] = [newId(), newId()];
      const e1 = event(user, "2031-01-01T00:00:00.001Z", { data: { "a.b": 1, $set: "x", "": true, none: null, text: "😀 ünï" } });
      const e2 = event(user, "2031-01-01T00:00:00.002Z", { ip: null, device: null, type: "suspension", data: {} });
      const e3 = event(user, "2031-01-02T00:00:00.000Z", { type: "session_ended" });
      for (const e of [e2, e3, e1]) await s.audit.append(e);
      await s.audit.append(event(other, "2031-01-03T00:00:00.000Z"));
      assert.deepEqual(await s.audit.ofUser(user, null, 10), [e3, e2, e1]);
      assert.deepEqual(await s.audit.ofUser(user, null, 2), [e3, e2], "limit");
      assert.deepEqual(await s.audit.ofUser(newId(), null, 10), []);
    });

    it("ofUser pages strictly before the cursor, ties on the time broken by id", async () => {
      const s = get();
      const user = newId();
      // Three at the same millisecond (ids decide among them), one before, one after.
      const same = "2032-05-05T05:05:05.555Z";
      const ids = [newId(), newId(), newId()].sort();
      const events = [
        event(user, "2032-05-05T05:05:05.000Z"),
        ...ids.map((id) => event(user, same, { id })),
        event(user, "2032-05-05T05:05:06.000Z"),
      ];
      for (const e of events) await s.audit.append(e);
      const newestFirst = [...events].reverse();
      const pages: AuditRecord[][] = [];
      let cursor: { at: Date; id: string } | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const page: AuditRecord[] = await s.audit.ofUser(user, cursor, 2);
        if (page.length === 0) break;
        pages.push(page);
        const last = page.at(-1)!;
        cursor = { at: last.at, id: last.id };
      }
      assert.deepEqual(pages.flat(), newestFirst, "pages of 2 give every event once, in order");
      assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
    });

    it("prune deletes the events older than the given time, of every user, and returns how many", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        const [a, b] = [newId(), newId()];
        const old = [event(a, "2001-01-01T00:00:00.000Z"), event(b, "2001-06-01T00:00:00.000Z")];
        const kept = [event(a, "2002-01-01T00:00:00.000Z"), event(b, "2003-01-01T00:00:00.000Z")];
        for (const e of [...old, ...kept]) await s.audit.append(e);
        assert.equal(await s.audit.prune(at("2002-01-01T00:00:00.000Z")), 2, "strictly older only");
        assert.deepEqual(await s.audit.ofUser(a, null, 10), [kept[0]]);
        assert.deepEqual(await s.audit.ofUser(b, null, 10), [kept[1]]);
        assert.equal(await s.audit.prune(at("2002-01-01T00:00:00.000Z")), 0);
      });
    });

    it("users.setPasswordHash replaces the hash and moves updated_at; false for an unknown user", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      assert.equal(await s.users.setPasswordHash(u.id, "$2b$10$new.hash"), true);
      const got = (await s.users.byId(u.id))!;
      assert.equal(got.password_hash, "$2b$10$new.hash");
      assert.ok(got.updated_at.getTime() >= u.updated_at.getTime());
      assert.deepEqual({ ...got, password_hash: u.password_hash, updated_at: u.updated_at }, u, "nothing else changed");
      assert.equal(await s.users.setPasswordHash(newId(), "x"), false);
    });
  });
}
