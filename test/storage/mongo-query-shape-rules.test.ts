// The rules of the query-shape check (src/storage/mongo/query-shapes.ts) on hand-made
// queries: what it accepts, what it refuses and how it names the refused query. The check
// of the storage's own queries is mongo-query-shapes.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shapesOf, unindexedReason } from "../../src/storage/mongo/query-shapes.ts";
import { declaredIndexes } from "../../src/storage/mongo/schemas.ts";

const indexes = declaredIndexes();
const check = (collection: string, op: string, args: unknown[]) => shapesOf(collection, op, args).map((s) => unindexedReason(s, indexes));

describe("query shapes: the checker", () => {
  it("accepts queries an index serves", () => {
    assert.deepEqual(check("messages", "find", [{ conversation_key: "k", seq: { $gt: 3 } }, { sort: { seq: 1 }, limit: 10 }]), [null]);
    assert.deepEqual(check("messages", "findOne", [{ conversation_key: "k" }, { sort: { seq: -1 } }]), [null], "an index read backwards");
    assert.deepEqual(check("events", "find", [{ _id: { $gt: 5 }, $or: [{ user_ids: "u" }, { conversation_key: { $in: ["a"] } }] }, { sort: { _id: 1 }, limit: 5 }]), [null]);
    assert.deepEqual(check("users", "findOne", [{ _id: "x", anything: 1 }, {}]), [null], "_id equality");
    assert.deepEqual(check("users", "insertOne", [{ _id: "x" }]), [], "an insert needs nothing");
    assert.deepEqual(check("events", "findOne", [{}, { sort: { _id: -1 } }]), [null], "the highest, in index order");
  });

  it("refuses a field without an index, a sort the index cannot give, an $or branch without one, and names the query", () => {
    const [noIndex] = check("messages", "find", [{ text: "hello" }, {}]);
    assert.match(noIndex!, /messages\.find \{text:eq\}: no index of messages starts with \{text:1\}/);
    const [badSort] = check("messages", "find", [{ conversation_key: "k" }, { sort: { created_at: 1, seq: -1 } }]);
    assert.match(badSort!, /no index of messages starts with \{conversation_key:1, created_at:1, seq:-1\}/);
    const [rangeFirst] = check("events", "findOne", [{ created_at: { $lt: new Date() } }, { sort: { _id: -1 } }]);
    assert.match(rangeFirst!, /no index of events starts with \{_id:-1, created_at:1\}/, "sort before range");
    const [branch] = check("partner_requests", "find", [{ status: "pending", $or: [{ sender_id: "a" }, { responded_at: null }] }, {}]);
    assert.match(branch!, /no index of partner_requests starts with \{status:1, responded_at:1\}/);
    const [unknown] = check("users", "distinct", ["phone", {}]);
    assert.match(unknown!, /a query kind the shape checker does not know/);
  });

  it("refuses an empty filter on a growing collection, except a page in index order, db:copy's own reads and sticker_packs", () => {
    assert.match(check("messages", "find", [{}, {}])[0]!, /messages\.find \{\}: an empty filter reads the whole collection/);
    assert.match(check("events", "countDocuments", [{}, {}])[0]!, /an empty filter/);
    assert.match(check("users", "deleteMany", [{}, {}])[0]!, /an empty filter/);
    assert.match(check("users", "find", [{}, { sort: { _id: 1 } }])[0]!, /an empty filter/, "sorted but unbounded");
    assert.deepEqual(check("users", "find", [{}, { sort: { _id: 1 }, limit: 100 }]), [null], "a page by _id");
    assert.deepEqual(check("events", "countDocuments", [{}, { comment: "db:copy" }]), [null]);
    assert.deepEqual(check("sticker_packs", "find", [{}, {}]), [null]);
  });
});

