// Deleting one's account (issue 15), on one server: DELETE /api/users/me with the password.
// Sessions and sockets end at once, login is refused and the phone and username register
// again; the partner is told (partner_unlinked); files leave the disk; the user's messages
// stay as tombstones from "Deleted user" so the others' history keeps its seqs; groups pass
// to the oldest admin or member (or go, with nobody left). A deletion stopped midway is
// recorded as a job, serves nothing half-deleted meanwhile, and is finished by the start hook.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createAccountDeletion } from "../../src/account/account-deletion.service.ts";
import { nextEvent } from "../support/clients.ts";
import { closeAll, connectReady, messagePaths, post, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf, type TestUser } from "../support/factories.ts";
import { startTestServer } from "../support/server.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";
import { image } from "../uploads/media-fixtures.ts";
import { upload } from "../uploads/upload-helpers.ts";

let stack: Stack;

const services = () => stack.server.app.services;
const code = (res: { body: any }) => res.body?.error?.code;
const deleteMe = (u: TestUser, password: string) => stack.api.call("DELETE", "/api/users/me", { token: u.token, json: { password } });
const login = (u: Pick<TestUser, "phone" | "password">) => stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
const filePath = (url: string) => join(services().media.paths.files, ...url.replace(/^\/media\//, "").split("/"));

for (const db of ["sqlite", "ferretdb"] as const) describe(`DELETE /api/users/me (${db})`, () => {
  before(async () => {
    stack = await startStack({ db });
  });
  after(() => stopWhenDrained(stack));

  it("refuses a wrong password with 403 wrong_password and changes nothing", async () => {
    const u = await buildUser(stack.api);
    const res = await deleteMe(u, "not the password");
    assert.deepEqual([res.status, code(res)], [403, "wrong_password"]);
    assert.equal((await stack.api.get("/api/users/me", u.token)).status, 200);
    assert.equal((await login(u)).status, 200);
  });

  it("ends everything at once, frees the phone, tombstones the messages, unlinks the partner, removes files, hands groups on", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    const paths = messagePaths("couple", chatId);
    const m1 = await post(stack.api, { paths }, a, "first from a");
    const m2 = await post(stack.api, { paths }, b, "from b");
    await post(stack.api, { paths }, a, "second from a");
    assert.equal((await stack.api.post(paths.reactions(m2.id), { emoji: "❤️" }, a.token)).status, 200);
    assert.equal((await stack.api.post(paths.reactions(m1.id), { emoji: "👍" }, b.token)).status, 200);
    const avatar = await upload(stack.url, await image("png", { width: 64, height: 64 }), { token: a.token, path: "/api/users/me/avatar", filename: "me.png", mimetype: "image/png" });
    assert.equal(avatar.status, 200, JSON.stringify(avatar.body));
    const avatarFile = filePath(avatar.body.avatar_url as string);
    assert.ok(existsSync(avatarFile));
    const dm = messagePaths("dm", dmIdOf(a, c));
    await post(stack.api, { paths: dm }, a, "a private word to c");
    const shared = await buildGroup(stack.api, a, [b, c]);
    assert.equal((await stack.api.put(`/api/groups/${shared}/members/${c.id}`, { role: "admin" }, a.token)).status < 300, true);
    const alone = await buildGroup(stack.api, a, []);

    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", a.token), connectReady(stack.url, "couples", b.token)]);
    try {
      const cut = new Promise<string>((resolve) => sa.on("disconnect", (reason) => resolve(reason)));
      const told = nextEvent(sb, "partner_unlinked");
      const res = await deleteMe(a, a.password);
      assert.deepEqual([res.status, res.body], [202, { status: "deleting" }]);
      assert.equal(await cut, "io server disconnect", "the socket is cut at once");
      assert.equal((await stack.api.get("/api/users/me", a.token)).status, 401, "the access token is dead");
      assert.equal((await login(a)).status, 401, "login refused");
      const unlinked = await told;
      assert.equal(unlinked.partner_id, a.id);
      await services().accountDeletion.idle();
    } finally {
      closeAll(sa, sb);
    }

    const job = await services().storage.accountDeletions.job(a.id);
    assert.ok(job?.finished_at, "the job finished");
    assert.equal((await stack.api.get("/api/users/me", b.token)).body.partner_id, null);

    // The others' history keeps every seq; a's messages are tombstones from "Deleted user".
    const history = (await stack.api.get(paths.history(), b.token)).body.messages as any[];
    assert.deepEqual(history.map((m) => m.seq), [1, 2, 3]);
    for (const m of history.filter((x) => x.sender.id === a.id)) {
      assert.equal(m.deleted, true);
      assert.equal(m.text, "");
      assert.equal(m.sender.display_name, "Deleted user");
      assert.equal(Object.keys(m.reactions ?? {}).length, 0, "reactions on a's messages are gone");
    }
    const fromB = history.find((m) => m.id === m2.id);
    assert.equal(fromB.text, "from b");
    assert.equal(Object.keys(fromB.reactions ?? {}).length, 0, "a's reaction on b's message is gone");

    assert.equal(existsSync(avatarFile), false, "the avatar file left the disk");
    const stored = await services().storage.users.byId(a.id);
    assert.equal(stored?.email, null);
    assert.notEqual(stored?.phone, a.phone);
    assert.equal(stored?.display_name, "Deleted user");
    assert.equal(await services().storage.profiles.get(a.id), null);

    const group = await stack.api.get(`/api/groups/${shared}`, c.token);
    assert.equal(group.status, 200);
    assert.equal(group.body.owner_id, c.id, "the oldest admin owns the group now");
    assert.equal((await services().storage.groups.byId(alone)), null, "a group with nobody else is deleted");
    const audit = await services().storage.audit.ofUser(a.id, null, 50);
    assert.ok(audit.some((e) => e.type === "account_deleted"));

    // The phone number and the username register again, as a new account.
    const again = await stack.api.post("/api/auth/register", { phone: a.phone, password: "another password 1", display_name: "New", username: a.username });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.notEqual(again.body.user.id, a.id);
    const dmRead = await stack.api.get(dm.history(), again.body.access_token);
    assert.equal(dmRead.status, 403, "the new owner of the username does not read the deleted account's DMs");
    assert.equal((await stack.api.get(dm.history(), c.token)).status, 200, "c keeps the history");
  });

  it("finishes a deletion stopped midway at the next start, serving nothing half-deleted meanwhile", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const paths = messagePaths("couple", chatId);
    for (let i = 0; i < 9; i++) await post(stack.api, { paths }, i % 3 === 2 ? b : a, `m${i}`);
    const s = services();
    // A deletion over the same storage that "crashes" after two pages of two messages.
    let pages = 0;
    const crashing = createAccountDeletion({
      repo: s.storage.accountDeletions, users: s.storage.users, partnerRequests: s.storage.partnerRequests, conversations: s.storage.conversations, groupRecords: s.storage.groups, blockRecords: s.storage.blocks,
      hasher: { hash: async () => "", verify: async () => true }, guard: { attempt: async () => {}, succeeded: async () => {} } as never,
      sessionEnding: s.sessionEnding, couples: s.couples, groups: s.groups, blocks: s.blocks, media: s.media.storage,
      window: { invalidate: async () => {} }, usersChanged: () => {}, audit: s.audit, log: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} } as never,
      pageSize: 2,
      onProgress: (p) => {
        if (p.step === "messages" && ++pages === 2) throw new Error("killed");
      },
    });
    const res = await crashing.request({ userId: a.id }, a.password, { ip: null, device: null } as never);
    await assert.rejects(res.settled, /killed/);
    s.userFacts.forget([a.id]);

    const job = await s.storage.accountDeletions.job(a.id);
    assert.deepEqual([job?.step, job?.finished_at], ["messages", null]);
    assert.ok(job?.cursor, "the job records where the pages stand");
    assert.equal((await login(a)).status, 401, "no login meanwhile");
    assert.equal((await stack.api.get("/api/users/me", a.token)).status, 401, "no session meanwhile");
    const card = await stack.api.get(`/api/users/${a.id}`, b.token);
    if (card.status === 200) assert.equal(card.body.display_name, "Deleted user");
    const stored = await s.storage.messages.after(`couple:${chatId}`, 0, 20);
    assert.ok(stored.some((m) => m.sender_id === a.id && m.deleted) && stored.some((m) => m.sender_id === a.id && !m.deleted), "stopped between pages");
    // What is served is redacted meanwhile (src/messaging/deleted-senders.ts).
    const half = (await stack.api.get(paths.history(), b.token)).body.messages as any[];
    assert.ok(half.filter((m) => m.sender.id === a.id).every((m) => m.deleted && m.text === "" && m.sender.display_name === "Deleted user"), "nothing half-deleted is served");

    if (stack.db) {
      // A fresh server on the same database finishes it at its start (app.ts listen).
      const fresh = await startTestServer({ dbUri: stack.db.uri });
      try {
        await waitFor(async () => Boolean((await s.storage.accountDeletions.job(a.id))?.finished_at), "the fresh server finished the deletion", 30_000);
      } finally {
        await fresh.close();
      }
    } else {
      // SQLite is held by one process: the same call the start hook makes (app.ts listen).
      assert.ok((await s.accountDeletion.resumeAll()) >= 1);
    }
    assert.ok((await s.storage.accountDeletions.job(a.id))?.finished_at);
    const all = (await stack.api.get(paths.history(), b.token)).body.messages as any[];
    assert.deepEqual(all.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(all.filter((m) => m.sender.id === a.id).every((m) => m.deleted && m.text === "" && m.sender.display_name === "Deleted user"));
    assert.ok(all.filter((m) => m.sender.id === b.id).every((m) => !m.deleted));
  });
});
