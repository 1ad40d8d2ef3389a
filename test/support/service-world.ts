// The service tier's world: every service of src/services.ts, on the real embedded SQLite
// storage in a temporary DATA_DIR, reaching "devices" through a RecordingFanout. No HTTP
// server, no Socket.IO, nothing seeded. The factories write through the services (the
// calls a REST route or socket event makes), so a scenario reads like what clients do:
//
//   const w = await startServiceWorld();
//   const { a, b, chat } = await w.couple();
//   await w.caller(a).send(chat, "hi");
//   w.fanout.emitted("new_message");
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { parseConfig, type Config } from "../../src/config.ts";
import type { Message } from "../../src/contract/models.ts";
import { dmIdFor } from "../../src/dms/dm.policy.ts";
import type { PasswordHasher } from "../../src/auth/password-hasher.ts";
import { createLogger } from "../../src/infra/logger.ts";
import type { Actor } from "../../src/messaging/actor-directory.ts";
import type { Access, ConversationRef } from "../../src/messaging/conversation-policy.ts";
import { SendMessageBody } from "../../src/messaging/message.schemas.ts";
import type { Caller, StepResults, Steps } from "../../src/pipeline/operation.ts";
import { createServices, type Services } from "../../src/services.ts";
import { openStorage } from "../../src/storage/open.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { RecordingFanout } from "./recording-fanout.ts";
import { TEST_SECRETS, testEnv } from "./env.ts";

export interface WorldUser {
  id: string;
  username: string;
  phone: string;
  password: string;
  display_name: string;
  /** The login register started (what a transport's access token names). */
  sessionId: string;
}

/** A conversation as a transport names it: the kind picks the policy, the id is the client's chat id. */
export interface Chat {
  kind: "couple" | "group" | "dm";
  id: string;
}

export interface SendInput {
  text?: string;
  client_message_id?: string;
  reply_to_message_id?: string;
}

export interface ServiceWorld {
  services: Services;
  fanout: RecordingFanout;
  storage: Storage;
  config: Config;
  user(overrides?: Partial<{ phone: string; password: string; display_name: string; username: string }>): Promise<WorldUser>;
  /** Two users linked as partners (request, accept) and their couple chat. */
  couple(): Promise<{ a: WorldUser; b: WorldUser; chat: Chat }>;
  /** A group created by `owner` with `members` (private unless told otherwise). */
  group(owner: WorldUser, members: WorldUser[], opts?: { is_public?: boolean; name?: string }): Promise<Chat>;
  /** The DM between two users (it exists from its first message). */
  dm(a: WorldUser, b: WorldUser): Chat;
  /** Acts as `user` the way a transport does: through services.perform, under the chat kind's policy. */
  caller(user: WorldUser): CallerHandle;
  close(): Promise<void>;
}

export interface CallerHandle {
  caller: Caller;
  perform<S extends Steps, T>(steps: S, chat: Chat | undefined, run: (ctx: StepResults<S>) => Promise<T>): Promise<T>;
  ref(chat: Chat, access?: Access): Promise<ConversationRef>;
  actor(): Promise<Actor>;
  send(chat: Chat, input?: string | SendInput): Promise<{ message: Message; duplicate: boolean }>;
  edit(chat: Chat, messageId: string, text: string): Promise<Message>;
  remove(chat: Chat, messageId: string): Promise<Message>;
  react(chat: Chat, messageId: string, emoji: string): ReturnType<Services["messages"]["toggleReaction"]>;
  markRead(chat: Chat, seq: number): Promise<{ chat_id: string; seq: number }>;
  /** Mutes until a date (null: unmutes), as the mute routes do. */
  mute(chat: Chat, until: Date | null): Promise<{ conversation_id: string; muted_until: string | null }>;
}

export async function startServiceWorld(opts: { env?: Record<string, string>; hasher?: PasswordHasher } = {}): Promise<ServiceWorld> {
  const config = parseConfig(testEnv(opts.env));
  const storage = await openStorage(config);
  const fanout = new RecordingFanout();
  const services = createServices({ config, log: createLogger(config.log.level), storage, secrets: TEST_SECRETS, hasher: opts.hasher, fanout });
  await services.eventLog.epoch(); // as createApp does: the stream exists before the first append
  let counter = 0;

  async function user(overrides: Parameters<ServiceWorld["user"]>[0] = {}): Promise<WorldUser> {
    counter++;
    const body = {
      phone: overrides.phone ?? `+1555${String(counter).padStart(7, "0")}`,
      password: overrides.password ?? "correct horse battery",
      display_name: overrides.display_name ?? `User ${counter}`,
      username: overrides.username ?? `user_${counter}`,
    };
    const res = await services.auth.register(body);
    const { sid } = services.tokens.verifyAccess(res.access_token);
    return { id: res.user.id, username: res.user.username, phone: body.phone, password: body.password, display_name: body.display_name, sessionId: sid };
  }

  function caller(u: WorldUser): CallerHandle {
    const who: Caller = { userId: u.id, sessionId: u.sessionId };
    const perform: CallerHandle["perform"] = (steps, chat, run) =>
      services.perform(steps, who, chat ? { policy: services.policies[chat.kind], chatId: chat.id } : undefined, run);
    return {
      caller: who,
      perform,
      ref: (chat, access = "read") => perform({ access }, chat, async ({ ref }) => ref),
      actor: () => perform({ actor: true }, undefined, async ({ actor }) => actor),
      send(chat, input = "hello") {
        const fields = typeof input === "string" ? { text: input } : input;
        // Parsed as the transports parse it (defaults, checks); the idempotency key is the client's.
        const body = SendMessageBody.parse({ text: "hello", ...fields });
        const client_message_id = body.client_message_id ?? randomUUID();
        return perform({ access: "post", actor: true }, chat, ({ ref, actor }) => services.messages.send(ref, actor, { ...body, client_message_id }));
      },
      edit: (chat, id, text) => perform({ access: "write", actor: true }, chat, ({ ref, actor }) => services.messages.edit(ref, actor, id, text)),
      remove: (chat, id) => perform({ access: "read", actor: true }, chat, ({ ref, actor }) => services.messages.remove(ref, actor, id)),
      react: (chat, id, emoji) => perform({ access: "write", actor: true }, chat, ({ ref, actor }) => services.messages.toggleReaction(ref, actor, id, emoji)),
      markRead: (chat, seq) => perform({ access: "read" }, chat, ({ ref }) => services.readStates.markRead(ref, u.id, seq)),
      mute: (chat, until) => perform({ access: "read" }, chat, ({ ref }) => services.readStates.mute(ref, u.id, until)),
    };
  }

  return {
    services,
    fanout,
    storage,
    config,
    user,
    caller,
    async couple() {
      const a = await user();
      const b = await user();
      const request = await services.couples.request(a.id, b.id);
      await services.couples.respond(b.id, request.id, "accept");
      const chat = await services.couples.openChat(a.id, b.id);
      return { a, b, chat: { kind: "couple", id: chat.id } };
    },
    async group(owner, members, o = {}) {
      const { group } = await services.groups.upsert(owner.id, { name: o.name ?? "Test group", is_public: o.is_public ?? false, member_ids: members.map((m) => m.id) });
      return { kind: "group", id: group.id };
    },
    dm: (a, b) => ({ kind: "dm", id: dmIdFor(a.username, b.username) }),
    async close() {
      services.typing.close();
      await services.inflight.idle(config.delivery.shutdownTimeoutMs);
      await storage.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
