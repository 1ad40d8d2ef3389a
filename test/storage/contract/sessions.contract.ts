// SessionRepository (src/auth/session.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, byId, clockPast, countOf, range, shuffled, withFresh, type GetStorage, type SuiteContext } from "./helpers.ts";

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
      assert.deepEqual(got, { id, user_id: user, revoked_at: null, revoked_reason: null, expires_at, created_at: got.created_at, device: null, ip: null, last_used_at: got.created_at });
      assert.equal(await s.sessions.session(newId()), null);
    });

    it("createSession keeps the device and address; last_used_at starts at created_at", async () => {
      const s = get();
      const id = newId();
      await s.sessions.createSession({ id, user_id: newId(), expires_at: new Date(Date.now() + HOUR), device: "Firefox on Windows", ip: "2001:db8::42" });
      const got = (await s.sessions.session(id))!;
      assert.deepEqual([got.device, got.ip], ["Firefox on Windows", "2001:db8::42"]);
      assert.deepEqual(got.last_used_at, got.created_at);
      assert.deepEqual((await s.sessions.sessions([id]))[0], got, "sessions() reads the same fields");
    });

    it("touchSession moves last_used_at forward only; with a client it also sets device and address", async () => {
      const s = get();
      const id = newId();
      const user = newId();
      await s.sessions.createSession({ id, user_id: user, expires_at: new Date(Date.now() + HOUR), device: "Chrome on Linux", ip: "203.0.113.1" });
      const t1 = new Date(Date.now() + 60_000);
      await s.sessions.touchSession(id, t1);
      let got = (await s.sessions.session(id))!;
      assert.deepEqual([got.last_used_at, got.device, got.ip], [t1, "Chrome on Linux", "203.0.113.1"], "a plain touch leaves device and address");
      await s.sessions.touchSession(id, new Date(t1.getTime() - 30_000));
      assert.deepEqual((await s.sessions.session(id))!.last_used_at, t1, "an older touch (another node, late) does not move it back");
      const t2 = new Date(t1.getTime() + 1000);
      await s.sessions.touchSession(id, t2, { device: "Safari on iPhone", ip: "198.51.100.2" });
      got = (await s.sessions.session(id))!;
      assert.deepEqual([got.last_used_at, got.device, got.ip], [t2, "Safari on iPhone", "198.51.100.2"]);
      await s.sessions.touchSession(id, t2, { device: null, ip: null });
      got = (await s.sessions.session(id))!;
      assert.deepEqual([got.device, got.ip], [null, null], "a client without a User-Agent clears the label");
      assert.deepEqual((await s.sessions.sessionsOf(user)).map((x) => x.last_used_at), [t2], "sessionsOf reads it too");
      await s.sessions.touchSession(newId(), new Date()); // an unknown session: nothing, no error
    });

    it("touchSessions moves last_used_at of each forward only, leaving device and address; unknown ids are nothing", async () => {
      const s = get();
      const [a, b] = [newId(), newId()];
      for (const id of [a, b]) await s.sessions.createSession({ id, user_id: newId(), expires_at: new Date(Date.now() + HOUR), device: "Chrome on Linux", ip: "203.0.113.1" });
      const t1 = new Date(Date.now() + 60_000);
      await s.sessions.touchSession(b, new Date(t1.getTime() + 1000));
      await s.sessions.touchSessions([a, b, newId(), a], t1);
      const [ga, gb] = [(await s.sessions.session(a))!, (await s.sessions.session(b))!];
      assert.deepEqual([ga.last_used_at, ga.device, ga.ip], [t1, "Chrome on Linux", "203.0.113.1"]);
      assert.deepEqual(gb.last_used_at, new Date(t1.getTime() + 1000), "a later time already there stays");
      await s.sessions.touchSessions([], t1);
    });

    it("10 concurrent touches leave one of their times, and a later touch still wins", async () => {
      // Only "one of them": FerretDB v1 applies concurrent updates without atomicity, so a
      // late write may land last (SQLite and MongoDB keep the latest). A "last used" that is
      // a moment behind is harmless; the next touch moves it on.
      const s = get();
      const id = newId();
      await s.sessions.createSession({ id, user_id: newId(), expires_at: new Date(Date.now() + HOUR) });
      const base = Date.now() + 10_000;
      const times = range(0, 9).map((i) => base + i * 1000);
      await Promise.all(shuffled(times).map((t) => s.sessions.touchSession(id, new Date(t))));
      assert.ok(times.includes((await s.sessions.session(id))!.last_used_at.getTime()), "one of the touched times");
      await s.sessions.touchSession(id, new Date(base + 20_000));
      assert.deepEqual((await s.sessions.session(id))!.last_used_at, new Date(base + 20_000));
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
