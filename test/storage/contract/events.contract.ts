// EventRepository (src/events/event.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventRecord, NewEvent } from "../../../src/events/event.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, eventInput, keyFor, oddPayload, range, withFresh, type GetStorage, type SuiteContext } from "./helpers.ts";

const positions = (es: readonly EventRecord[]) => es.map((e) => e.seq);

export function eventsContract(get: GetStorage, ctx: SuiteContext): void {
  describe("events", () => {
    it("a fresh stream: stream() has an epoch and pruned_through 0, stable across calls; head() is 0", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        assert.equal(await s.events.head(), 0);
        const a = await s.events.stream();
        assert.equal(typeof a.epoch, "string");
        assert.ok(a.epoch.length > 0);
        assert.equal(a.pruned_through, 0);
        assert.deepEqual(await s.events.stream(), a);
        await s.events.append([eventInput()]);
        assert.deepEqual(await s.events.stream(), a, "appending does not change it");
      });
    });

    it("10 concurrent first calls of stream() see one epoch", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        const states = await Promise.all(range(1, 10).map(() => s.events.stream()));
        for (const st of states) assert.deepEqual(st, states[0]);
        assert.deepEqual(await s.events.stream(), states[0]);
      });
      // And a separate client on another fresh database, racing with appends.
      await withFresh(ctx.openFresh, async (s) => {
        const [states, written] = await Promise.all([Promise.all(range(1, 10).map(() => s.events.stream())), s.events.append([eventInput()])]);
        for (const st of states) assert.equal(st.epoch, states[0]!.epoch);
        assert.equal((await s.events.stream()).epoch, states[0]!.epoch);
        assert.deepEqual(written, [1]);
      });
    });

    it("two nodes on one fresh database: concurrent first stream() calls see one epoch, concurrent appends share 1..n", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        const states = await Promise.all(range(0, 9).map((i) => (i % 2 ? a : b).events.stream()));
        for (const st of states) assert.deepEqual(st, states[0]);
        const user = newId();
        const results = await Promise.all(range(1, 100).map((i) => (i % 2 ? a : b).events.append([eventInput({ user_ids: [user], payload: { i } })])));
        const got = results.map((r) => r[0] as number);
        assert.deepEqual(
          [...got].sort((x, y) => x - y),
          range(1, 100),
        );
        for (const node of [a, b]) {
          assert.equal(await node.events.head(), 100);
          const stored = await node.events.after(0, user, [], 1000);
          assert.deepEqual(positions(stored), range(1, 100));
          for (const e of stored) assert.equal(got[(e.payload.i as number) - 1], e.seq);
        }
      } finally {
        await pair.stop();
      }
    });

    it("append returns increasing consecutive positions; head() follows; an empty batch is empty", async () => {
      const s = get();
      const h0 = await s.events.head();
      assert.deepEqual(await s.events.append([eventInput(), eventInput(), eventInput()]), [h0 + 1, h0 + 2, h0 + 3]);
      assert.equal(await s.events.head(), h0 + 3);
      assert.deepEqual(await s.events.append([eventInput()]), [h0 + 4]);
      assert.deepEqual(await s.events.append([eventInput(), eventInput()]), [h0 + 5, h0 + 6]);
      assert.deepEqual(await s.events.append([]), []);
      assert.equal(await s.events.head(), h0 + 6);
    });

    it("300 concurrent single-event appends on a fresh stream get positions exactly 1..300, each event at its own", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        const user = newId();
        const results = await Promise.all(range(1, 300).map((i) => s.events.append([eventInput({ user_ids: [user], payload: { i } })])));
        const got = results.map((r) => {
          assert.equal(r.length, 1);
          assert.equal(typeof r[0], "number", `a position, not ${String(r[0])}`);
          return r[0] as number;
        });
        assert.deepEqual(
          [...got].sort((a, b) => a - b),
          range(1, 300),
        );
        assert.equal(await s.events.head(), 300);
        const stored = await s.events.after(0, user, [], 1000);
        assert.deepEqual(positions(stored), range(1, 300));
        for (const e of stored) assert.equal(got[(e.payload.i as number) - 1], e.seq, "the event at each position is the one that was given it");
      });
    });

    it("concurrent appends in the shared stream are consecutive after the head before them", async () => {
      const s = get();
      const h0 = await s.events.head();
      const results = await Promise.all(range(1, 60).map((i) => s.events.append(i % 3 === 0 ? [eventInput(), eventInput()] : [eventInput()])));
      const all = results.flat().map((p) => {
        assert.equal(typeof p, "number");
        return p as number;
      });
      assert.deepEqual(
        [...all].sort((a, b) => a - b),
        range(h0 + 1, h0 + 80),
      );
      for (const r of results) if (r.length === 2) assert.equal(r[1], (r[0] as number) + 1, "a batch's positions are consecutive");
      assert.equal(await s.events.head(), h0 + 80);
    });

    it("positions become visible in order: a reader during concurrent appends never sees a hole", async () => {
      const s = get();
      const user = newId();
      const h0 = await s.events.head();
      let done = false;
      const writes = Promise.all(range(1, 120).map(() => s.events.append([eventInput({ user_ids: [user] })]))).finally(() => {
        done = true;
      });
      writes.catch(() => {}); // awaited below; a failed read must not leave it unhandled
      let reads = 0;
      while (!done) {
        const seen = positions(await s.events.after(h0, user, [], 1000));
        assert.deepEqual(seen, range(h0 + 1, h0 + seen.length), `read ${reads}: a consecutive run from ${h0 + 1}`);
        reads++;
      }
      await writes;
      assert.deepEqual(positions(await s.events.after(h0, user, [], 1000)), range(h0 + 1, h0 + 120));
    });

    it("payloads round-trip exactly, whatever their keys", async () => {
      const s = get();
      const user = newId();
      const h0 = await s.events.head();
      const payload = oddPayload();
      const input: NewEvent = eventInput({ type: "odd.type$", ns: "/chat", user_ids: [user], payload, created_at: at("2030-01-01T00:00:00.007Z") });
      const [pos] = await s.events.append([input]);
      assert.equal(pos, h0 + 1);
      const [e] = await s.events.after(h0, user, [], 10);
      assert.ok(e);
      assert.deepEqual(e, { ...input, seq: h0 + 1 });
      assert.deepEqual(Object.keys(e.payload).sort(), Object.keys(payload).sort());
      assert.equal(Object.hasOwn(e.payload, "__proto__"), true, "__proto__ is an own key, not the prototype");
      assert.deepEqual(e.payload["__proto__"], { polluted: true });
      assert.equal(Object.getPrototypeOf(e.payload), Object.prototype);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, "nothing polluted");
    });

    it("an event whose payload cannot be stored (a BigInt) is rejected alone; the others of the batch are written", async () => {
      const s = get();
      const user = newId();
      const h0 = await s.events.head();
      const batch = [eventInput({ user_ids: [user], payload: { n: 1 } }), eventInput({ user_ids: [user], payload: { big: 10n } }), eventInput({ user_ids: [user], payload: { n: 3 } })];
      const result = await s.events.append(batch);
      assert.equal(result.length, 3);
      assert.ok(result[1] instanceof Error, `the BigInt event's slot is an Error, got ${String(result[1])}`);
      assert.deepEqual([result[0], result[2]], [h0 + 1, h0 + 2], "the others get consecutive positions (no hole for the rejected one)");
      const stored = await s.events.after(h0, user, [], 10);
      assert.deepEqual(
        stored.map((e) => [e.seq, e.payload]),
        [
          [h0 + 1, { n: 1 }],
          [h0 + 2, { n: 3 }],
        ],
      );
      assert.equal(await s.events.head(), h0 + 2);
      const alone = await s.events.append([eventInput({ user_ids: [user], payload: { big: 1n } })]);
      assert.equal(alone.length, 1);
      assert.ok(alone[0] instanceof Error);
      assert.equal(await s.events.head(), h0 + 2);
      assert.deepEqual(await s.events.append([eventInput({ user_ids: [user] })]), [h0 + 3], "the stream goes on without a hole");
    });

    it("after() returns the events to the user or to the given conversations, ascending, deduplicated, limited", async () => {
      const s = get();
      const [u, x] = [newId(), newId()];
      const [k1, k2, k3] = [keyFor("group"), keyFor("dm"), keyFor("group")];
      const h0 = await s.events.head();
      const t = at("2030-01-01T00:00:00.000Z");
      const inputs: NewEvent[] = [
        eventInput({ type: "e1", user_ids: [x, u], created_at: t }),
        eventInput({ type: "e2", conversation_key: k1, created_at: t }),
        eventInput({ type: "e3", conversation_key: k3, created_at: t }),
        eventInput({ type: "e4", user_ids: [x], created_at: t }),
        eventInput({ type: "e5", conversation_key: k2, user_ids: [u], created_at: t }),
        eventInput({ type: "e6", user_ids: [u], created_at: t }),
        eventInput({ type: "e7", conversation_key: k1, user_ids: [x], created_at: t }),
      ];
      const pos = (await s.events.append(inputs)) as number[];
      assert.deepEqual(pos, range(h0 + 1, h0 + 7));
      const expected = [0, 1, 4, 5, 6].map((i) => ({ ...inputs[i]!, seq: pos[i]! }));
      assert.deepEqual(await s.events.after(h0, u, [k1, k2], 100), expected);
      assert.deepEqual(await s.events.after(h0, u, [k1, k2], 2), expected.slice(0, 2));
      assert.deepEqual(await s.events.after(pos[1]!, u, [k1, k2], 100), expected.slice(2));
      assert.deepEqual(
        (await s.events.after(h0, u, [], 100)).map((e) => e.type),
        ["e1", "e5", "e6"],
      );
      assert.deepEqual(
        (await s.events.after(h0, newId(), [k3], 100)).map((e) => e.type),
        ["e3"],
      );
      assert.deepEqual(await s.events.after(h0 + 7, u, [k1, k2], 100), []);
      assert.deepEqual(await s.events.after(h0, newId(), [keyFor("group")], 100), []);
    });

    it("prune deletes events created before the cutoff, raises pruned_through; head() is not lowered", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        const user = newId();
        const old = [1, 2, 3].map((i) => eventInput({ user_ids: [user], payload: { i }, created_at: new Date(Date.parse("2000-01-01T00:00:00.000Z") + i) }));
        const recent = [4, 5].map((i) => eventInput({ user_ids: [user], payload: { i }, created_at: new Date() }));
        assert.deepEqual(await s.events.append(old), [1, 2, 3]);
        assert.deepEqual(await s.events.append(recent), [4, 5]);
        const { epoch } = await s.events.stream();

        assert.equal(await s.events.prune(at("2001-01-01T00:00:00.000Z")), 3);
        assert.deepEqual(await s.events.stream(), { epoch, pruned_through: 3 });
        assert.deepEqual(positions(await s.events.after(0, user, [], 100)), [4, 5]);
        assert.equal(await s.events.head(), 5);
        assert.equal(await s.events.prune(at("2001-01-01T00:00:00.000Z")), 0, "nothing more before that cutoff");
        assert.equal((await s.events.stream()).pruned_through, 3, "a prune of nothing leaves pruned_through");

        assert.equal(await s.events.prune(new Date(Date.now() + 3600_000)), 2, "everything");
        assert.deepEqual(await s.events.stream(), { epoch, pruned_through: 5 });
        assert.equal(await s.events.head(), 5, "head() is not lowered by pruning everything");
        assert.deepEqual(await s.events.after(0, user, [], 100), []);
        assert.deepEqual(await s.events.append([eventInput({ user_ids: [user] })]), [6], "positions go on after the pruned ones");
        assert.equal(await s.events.head(), 6);
        assert.deepEqual(positions(await s.events.after(0, user, [], 100)), [6]);
      });
    });

    it("prune on an empty stream removes nothing and head() stays 0", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        assert.equal(await s.events.prune(new Date()), 0);
        assert.equal(await s.events.head(), 0);
        assert.equal((await s.events.stream()).pruned_through, 0);
      });
    });
  });
}
