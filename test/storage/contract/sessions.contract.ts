// SessionRepository (src/auth/session.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, byId, clockPast, countOf, range, withFresh, type GetStorage, type SuiteContext } from "./helpers.ts";

const HOUR = 3600_000;

export function sessionsContract(get: GetStorage, ctx: SuiteContext): void {
  describe("sessions", () => {
    it("createSession then session() returns it, not revoked, with created_at now", async () => {
      const s = get();
      const id = newId();
      const user = newId();
      const expires_at = new Date(Date.now() + HOUR);
      const before = Date.now();
      await s.sessions.createSession({ id, user_id: user, expires_at });
      const got = await s.sessions.session(id);
      assert.ok(got);
      assert.ok(got.created_at instanceof Date);
      assert.ok(got.created_at.getTime() >= before - 1000 && got.created_at.getTime() <= Date.now() + 1000, "created_at is the creation time");
      assert.deepEqual(got, { id, user_id: user, revoked_at: null, revoked_reason: null, expires_at, created_at: got.created_at });
      assert.equal(await s.sessions.session(newId()), null);
    });

    it("sessions(ids) returns the known ones", async () => {
      const s = get();
      const user = newId();
      const ids = [newId(), newId(), newId()];
      for (const id of ids) await s.sessions.createSession({ id, user_id: user, expires_at: new Date(Date.now() + HOUR) });
      const got = await s.sessions.sessions([ids[2]!, newId(), ids[0]!]);
      assert.deepEqual(byId(got).map((x) => x.id), [ids[0]!, ids[2]!].sort());
      for (const x of got) assert.deepEqual(x, await s.sessions.session(x.id));
      assert.deepEqual(await s.sessions.sessions([]), []);
    });

    it("sessionsOf returns the user's sessions only, newest first", async () => {
      const s = get();
      const user = newId();
      const other = newId();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const id = newId();
        ids.push(id);
        await s.sessions.createSession({ id, user_id: user, expires_at: new Date(Date.now() + HOUR) });
        await s.sessions.createSession({ id: newId(), user_id: other, expires_at: new Date(Date.now() + HOUR) });
        const created = (await s.sessions.session(id))!.created_at;
        await clockPast(created);
      }
      const list = await s.sessions.sessionsOf(user);
      assert.deepEqual(
        list.map((x) => x.id),
        [...ids].reverse(),
      );
      for (const x of list) assert.equal(x.user_id, user);
      assert.deepEqual(await s.sessions.sessionsOf(newId()), []);
    });

    it("extendSession moves expires_at", async () => {
      const s = get();
      const id = newId();
      await s.sessions.createSession({ id, user_id: newId(), expires_at: new Date(Date.now() + HOUR) });
      const later = new Date(Date.now() + 48 * HOUR);
      await s.sessions.extendSession(id, later);
      assert.deepEqual((await s.sessions.session(id))!.expires_at, later);
    });

    it("revokeSession revokes once: true, then false without changing the reason or time", async () => {
      const s = get();
      const id = newId();
      await s.sessions.createSession({ id, user_id: newId(), expires_at: new Date(Date.now() + HOUR) });
      const t1 = at("2030-01-01T00:00:00.123Z");
      assert.equal(await s.sessions.revokeSession(id, "logout", t1), true);
      assert.equal(await s.sessions.revokeSession(id, "password_change", new Date()), false);
      const got = await s.sessions.session(id);
      assert.deepEqual({ at: got!.revoked_at, reason: got!.revoked_reason }, { at: t1, reason: "logout" });
      assert.equal(await s.sessions.revokeSession(newId(), "x", new Date()), false, "an unknown session is not revoked");
    });

    it("10 concurrent revokeSession: exactly one true, and its reason is the one stored", async () => {
      const s = get();
      const id = newId();
      await s.sessions.createSession({ id, user_id: newId(), expires_at: new Date(Date.now() + HOUR) });
      const base = Date.parse("2030-02-01T00:00:00.000Z");
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.sessions.revokeSession(id, `reason-${i}`, new Date(base + i))));
      assert.equal(countOf(results, true), 1, `exactly one revoked it: ${results.join(",")}`);
      const w = results.indexOf(true);
      const got = await s.sessions.session(id);
      assert.deepEqual({ at: got!.revoked_at, reason: got!.revoked_reason }, { at: new Date(base + w), reason: `reason-${w}` });
    });

    it("addRefreshToken then refreshToken() returns it unused", async () => {
      const s = get();
      const sid = newId();
      const user = newId();
      await s.sessions.createSession({ id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) });
      const t = { id: newId(), session_id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) };
      await s.sessions.addRefreshToken(t);
      assert.deepEqual(await s.sessions.refreshToken(t.id), { ...t, used_at: null });
      assert.equal(await s.sessions.refreshToken(newId()), null);
    });

    it("claimRefreshToken: true once, then false; used_at is the claim time", async () => {
      const s = get();
      const sid = newId();
      const user = newId();
      await s.sessions.createSession({ id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) });
      const t = { id: newId(), session_id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) };
      await s.sessions.addRefreshToken(t);
      const claimAt = at("2030-03-01T10:00:00.456Z");
      assert.equal(await s.sessions.claimRefreshToken(t.id, claimAt), true);
      assert.equal(await s.sessions.claimRefreshToken(t.id, new Date()), false);
      assert.equal(await s.sessions.claimRefreshToken(t.id, new Date()), false);
      assert.deepEqual(await s.sessions.refreshToken(t.id), { ...t, used_at: claimAt });
    });

    it("10 concurrent claimRefreshToken: exactly one true", async () => {
      const s = get();
      for (let round = 0; round < 5; round++) {
        const sid = newId();
        const user = newId();
        await s.sessions.createSession({ id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) });
        const t = { id: newId(), session_id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) };
        await s.sessions.addRefreshToken(t);
        const results = await Promise.all(Array.from({ length: 10 }, () => s.sessions.claimRefreshToken(t.id, new Date())));
        assert.equal(countOf(results, true), 1, `round ${round}: exactly one claim won: ${results.join(",")}`);
        assert.notEqual((await s.sessions.refreshToken(t.id))!.used_at, null);
      }
    });

    it("two nodes: 10 concurrent claims of one refresh token over both, exactly one true", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        for (let round = 0; round < 5; round++) {
          const sid = newId();
          const user = newId();
          await a.sessions.createSession({ id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) });
          const t = { id: newId(), session_id: sid, user_id: user, expires_at: new Date(Date.now() + HOUR) };
          await a.sessions.addRefreshToken(t);
          const results = await Promise.all(range(1, 10).map((i) => (i % 2 ? a : b).sessions.claimRefreshToken(t.id, new Date())));
          assert.equal(countOf(results, true), 1, `round ${round}: ${results.join(",")}`);
          const revokes = await Promise.all(range(1, 6).map((i) => (i % 2 ? a : b).sessions.revokeSession(sid, `r${i}`, new Date())));
          assert.equal(countOf(revokes, true), 1, `round ${round}: revoked once`);
        }
      } finally {
        await pair.stop();
      }
    });

    it("pruneExpired deletes only sessions and tokens past their expiry and returns how many", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        const past = at("2000-01-01T00:00:00.000Z");
        const future = new Date(Date.now() + 24 * HOUR);
        const now = at("2001-01-01T00:00:00.000Z");
        const user = newId();
        const gone = { sessions: [newId(), newId()], tokens: [] as string[] };
        const kept = { sessions: [newId(), newId()], tokens: [] as string[] };
        for (const sid of gone.sessions) {
          await s.sessions.createSession({ id: sid, user_id: user, expires_at: past });
          const tid = newId();
          gone.tokens.push(tid);
          await s.sessions.addRefreshToken({ id: tid, session_id: sid, user_id: user, expires_at: past });
        }
        for (const sid of kept.sessions) {
          await s.sessions.createSession({ id: sid, user_id: user, expires_at: future });
          const tid = newId();
          kept.tokens.push(tid);
          await s.sessions.addRefreshToken({ id: tid, session_id: sid, user_id: user, expires_at: future });
        }
        // An expired token of a live session goes; its session stays.
        const staleToken = newId();
        gone.tokens.push(staleToken);
        await s.sessions.addRefreshToken({ id: staleToken, session_id: kept.sessions[0]!, user_id: user, expires_at: past });
        // A claimed live token stays claimed.
        assert.equal(await s.sessions.claimRefreshToken(kept.tokens[1]!, new Date()), true);

        assert.equal(await s.sessions.pruneExpired(now), 5, "2 sessions and 3 tokens were past their expiry");
        for (const sid of gone.sessions) assert.equal(await s.sessions.session(sid), null, "expired session deleted");
        for (const tid of gone.tokens) assert.equal(await s.sessions.refreshToken(tid), null, "expired token deleted");
        for (const sid of kept.sessions) assert.ok(await s.sessions.session(sid), "live session kept");
        for (const tid of kept.tokens) assert.ok(await s.sessions.refreshToken(tid), "live token kept");
        assert.equal(await s.sessions.claimRefreshToken(kept.tokens[1]!, new Date()), false, "a live claim is kept");
        assert.equal(await s.sessions.claimRefreshToken(kept.tokens[0]!, new Date()), true, "an unclaimed live token can still be claimed");
        assert.equal(await s.sessions.pruneExpired(now), 0, "nothing left to prune");
        assert.deepEqual((await s.sessions.sessionsOf(user)).map((x) => x.id).sort(), [...kept.sessions].sort());
      });
    });
  });
}
