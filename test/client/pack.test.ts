// The package as an app gets it: `npm pack` in client/ after a build, installed into a new
// project, then (1) an ESM example script run by plain Node logs in, sends and receives
// against a running server, and (2) a TypeScript example is type-checked against the
// packaged declarations alone (proving they are self-contained: the contract's types
// included, nothing from the server's sources or zod needed).
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildGroup, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const clientDir = join(root, "client");
const tsc = join(root, "node_modules/typescript/bin/tsc");

let stack: Stack;
let project: string;
before(async () => {
  stack = await startStack();
  project = mkdtempSync(join(tmpdir(), "chat-client-pack-"));
  rmSync(join(clientDir, "dist"), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, "-p", join(clientDir, "tsconfig.json")], { stdio: "inherit" });
  const packed = execFileSync("npm", ["pack", "--pack-destination", project, "--silent"], { cwd: clientDir, encoding: "utf8" }).trim().split("\n").at(-1)!;
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pack-check", private: true, type: "module" }));
  execFileSync("npm", ["install", join(project, packed), "--prefer-offline", "--no-audit", "--no-fund", "--silent"], { cwd: project, stdio: "inherit" });
});
after(async () => {
  await stack?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

const EXAMPLE_MJS = `
import { createChatClient, memoryStore } from "@chat-server/client";
const [url, groupId, aPhone, bPhone, password] = process.argv.slice(2);
const a = createChatClient({ url, credentials: { username: aPhone, password }, namespaces: ["groups"], store: memoryStore() });
const b = createChatClient({ url, credentials: { username: bPhone, password }, namespaces: ["groups"] });
const received = new Promise((resolve) => b.on("message", (m, info) => info.change === "new" && resolve(m)));
await Promise.all([a.ready(), b.ready()]);
const sent = await a.send("groups", { chat_id: groupId, text: "from the packed client" });
const got = await received;
console.log(JSON.stringify({ sent: sent.id, received: got.id, text: got.text, seq: got.seq, view: b.conversation("groups", groupId).messages.length }));
a.close();
b.close();
`;

const EXAMPLE_TS = `
import { createChatClient, ChatError, memoryStore, type ChatClient, type ChatStore, type ConversationView, type Message } from "@chat-server/client";

const store: ChatStore = memoryStore();
const client: ChatClient = createChatClient({ url: "http://localhost:3000", credentials: { username: "+15550000000", password: "pw" }, store, transports: ["polling"] });
client.on("message", (m: Message, info) => {
  const seq: number | null = m.seq;
  const change: "new" | "updated" | "deleted" | "reactions" = info.change;
  void seq, change;
});
client.on("group_member_muted", (p, ctx) => {
  const until: string | null = p.until;
  // @ts-expect-error until is a string or null, never a number: the contract's types are real, not any
  const wrong: number = p.until;
  void until, wrong, ctx.ns;
});
client.on("logged_out", ({ reason }) => void reason);
async function demo(view: ConversationView) {
  const r = await client.emit("groups", "mark_read", { chat_id: view.id, seq: 3 });
  const seq: number = r.seq;
  // @ts-expect-error send_message needs a chat_id
  await client.send("groups", { text: "no chat id" });
  try {
    await client.emit("groups", "edit_message", { chat_id: view.id, message_id: "x", text: "t" });
  } catch (e) {
    if (e instanceof ChatError) console.log(e.code, e.status);
  }
  return seq + view.messages.length + view.unread;
}
void demo;
`;

describe("the packed client", () => {
  it("installs from its tarball and talks to a running server (ESM, plain node)", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    writeFileSync(join(project, "example.mjs"), EXAMPLE_MJS);
    // The repo's Node, and the system's (older) one when there is one: the package targets Node ≥ 20.
    const nodes = [process.execPath, ...(existsSync("/usr/bin/node") && process.execPath !== "/usr/bin/node" ? ["/usr/bin/node"] : [])];
    for (const node of nodes) {
      // Asynchronously: the server answering it runs in this process.
      const run = await promisify(execFile)(node, ["example.mjs", stack.url, groupId, a.phone, b.phone, a.password], { cwd: project, encoding: "utf8", timeout: 30_000 });
      const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
      assert.equal(out.sent, out.received, node);
      assert.equal(out.text, "from the packed client");
      assert.equal(out.view, 1, "the fresh receiver holds the one message it saw");
    }
    // Only its own files and socket.io-client's tree were installed.
    assert.ok(readdirSync(join(project, "node_modules")).includes("socket.io-client"));
    assert.ok(!existsSync(join(project, "node_modules/zod")), "zod must not be needed");
  });

  it("its declarations type-check an app on their own", () => {
    writeFileSync(join(project, "example.ts"), EXAMPLE_TS);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "es2022", lib: ["es2022", "dom"], module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["example.ts"] }),
    );
    const check = spawnSync(process.execPath, [tsc, "-p", join(project, "tsconfig.json")], { cwd: project, encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});
