// The partner link on MongoDB when a process dies halfway through a break-up (or a link):
// one user's document is cleared, the other's still names them, both claims remain. Until
// the claims settle nobody can link the freed user; once they have, the next link of that
// user finishes the break-up, so that nobody is left pointing at someone who moved on.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import mongoose from "mongoose";
import { newId } from "../../src/shared/ids.ts";
import { openMongoStorage } from "../../src/storage/mongo/open.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";

describe("MongoDB: a break-up cut off halfway", () => {
  let db: TestDatabase;
  let storage: Storage;
  let conn: mongoose.Connection;
  before(async () => {
    db = await startDatabase();
    const uri = new URL(db.uri);
    uri.pathname = `/breakup_${randomBytes(6).toString("hex")}`;
    storage = await openMongoStorage({ uri: uri.href });
    conn = await mongoose.createConnection(uri.href).asPromise();
  });
  after(async () => {
    await conn?.close();
    await storage?.close();
    await db?.stop();
  });

  const user = async () => {
    const id = newId();
    return storage.users.create({ id, phone: `+1${randomBytes(5).readUIntBE(0, 5)}`, username: `u_${id}`, display_name: "U", password_hash: "h", email: null });
  };
  const partnerOf = async (id: string) => (await storage.users.byId(id))!.partner_id;

  it("the freed user cannot be linked until the claims settle; then linking them finishes the break-up for the other side too", async () => {
    const [a, b, c, d] = [await user(), await user(), await user(), await user()];
    assert.equal(await storage.users.linkPartners(a.id, b.id), "linked");
    // The crash: a's document was cleared, b's not, and neither claim was released.
    await conn.collection("users").updateOne({ _id: a.id as never }, { $set: { partner_id: null } });
    assert.deepEqual([await partnerOf(a.id), await partnerOf(b.id)], [null, a.id]);

    assert.equal(await storage.users.linkPartners(a.id, c.id), "a_taken", "a fresh claim: maybe a break-up still in progress");
    await conn.collection("claims").updateMany({ _id: { $in: [`partner:${a.id}`, `partner:${b.id}`] } as never }, { $set: { taken_at: new Date(0) } });

    assert.equal(await storage.users.linkPartners(a.id, c.id), "linked");
    assert.equal(await partnerOf(b.id), null, "b no longer points at a");
    assert.equal(await storage.users.linkPartners(b.id, d.id), "linked", "and b is free to link");
    assert.deepEqual([await partnerOf(a.id), await partnerOf(c.id), await partnerOf(d.id)], [c.id, a.id, b.id]);
  });

  it("the side still linked can break up itself: its unlink clears it and releases both claims", async () => {
    const [a, b, c] = [await user(), await user(), await user()];
    assert.equal(await storage.users.linkPartners(a.id, b.id), "linked");
    await conn.collection("users").updateOne({ _id: a.id as never }, { $set: { partner_id: null } });
    assert.equal(await storage.users.unlinkPartners(b.id, a.id), true, "b's own break-up");
    assert.equal(await partnerOf(b.id), null);
    assert.equal(await storage.users.linkPartners(a.id, c.id), "linked", "a's claim went with it: no wait");
  });
});
