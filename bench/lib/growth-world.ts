// The growth benchmark's data: users, conversations (couple chats, groups, DMs) and
// messages added in stages, written through the storage repositories in-process with the
// records the services write (message.service.ts, the couple/group/DM services, the
// socket notifier's events), so the server measured afterwards reads what it would have
// written itself, without the cost of HTTP for a million messages. Events: one
// `new_message` per message, addressed to its conversation, plus one user-addressed
// `thinking_of_you_received` per 20 messages. Seeded: every run builds the same users,
// conversations and spread of messages.
import { randomUUID } from "node:crypto";
import type { ChatMode, ConversationType, UserCard } from "../../src/contract/models.ts";
import { coupleChatId, coupleKey } from "../../src/couples/couple.policy.ts";
import { dmIdFor } from "../../src/dms/dm.policy.ts";
import type { NewEvent } from "../../src/events/event.repository.ts";
import type { MemberRole } from "../../src/messaging/conversation.repository.ts";
import { namespaceOf } from "../../src/messaging/conversation-policy.ts";
import { toMessage } from "../../src/messaging/message.dto.ts";
import { newId } from "../../src/shared/ids.ts";
import type { Storage } from "../../src/storage/storage.ts";

export interface WorldUser {
  id: string;
  phone: string;
  card: UserCard;
}

export interface Conv {
  key: string;
  type: ConversationType;
  publicId: string;
  memberIds: string[];
  mode: ChatMode | null;
}

/** A stored message the measured reads can name (by id, by its time, history around its seq). */
export interface SampleMessage {
  id: string;
  seq: number;
  created_at: number;
}

/** A user whose requests are measured, and their conversations (indexes into World.convs). */
export interface Probe {
  user: WorldUser;
  convs: number[];
  /** Their busiest conversations: the couple chat, a DM and a group, among the world's hot ones. */
  hot: number[];
}

export interface World {
  users: WorldUser[];
  convs: Conv[];
  /** Conversations that get HOT_SHARE of all messages. */
  hot: number[];
  probes: Probe[];
  /** Per probe conversation: a reservoir of its messages, and how many it has had. */
  samples: Map<string, { seen: number; kept: SampleMessage[] }>;
  messages: number;
  eventHead: number;
  /** The next message's created_at (ms): messages are spread over the day before the run. */
  clock: number;
  stepMs: number;
  rng: () => number;
}

export interface WorldShape {
  users: number;
  conversations: number;
  probes: number;
  /** The largest size the run may reach: sets the spacing of created_at. */
  maxMessages: number;
  passwordHash: string;
}

const HOT_SHARE = 0.25;
const GROUP_SHARE = 0.15;
const PUBLIC_GROUP_SHARE = 0.1;
const RESERVOIR = 32;
const DAY_MS = 86_400_000;
const LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ".repeat(3);

/** mulberry32: a small seeded generator, so every run builds the same world. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/**
 * Users (each in a couple), couple chats, groups of 3-40 members and DMs between random
 * pairs. One repository call at a time: SQLite is synchronous anyway, and FerretDB's
 * single writer only gets slower with more in flight (measured: 4 at a time took longer
 * per message than 1).
 */
export async function buildWorld(storage: Storage, s: WorldShape): Promise<World> {
  const rng = seeded(20261201);
  const start = Date.now() - DAY_MS;
  const users: WorldUser[] = Array.from({ length: s.users }, (_, i) => {
    // newId's layout (creation second, then 16 hex digits), with a counter for the random part.
    const id = Math.floor(start / 1000).toString(16).padStart(8, "0") + i.toString(16).padStart(16, "0");
    const username = `gu${String(i).padStart(5, "0")}`;
    return { id, phone: `+1666${String(i).padStart(7, "0")}`, card: { id, username, display_name: `Growth user ${i}`, avatar_url: null } };
  });
  for (const u of users) {
    await storage.users.create({ id: u.id, phone: u.phone, username: u.card.username, display_name: u.card.display_name, password_hash: s.passwordHash, email: null });
  }
  const created_at = new Date(start);
  const convs: Conv[] = [];
  const members = (ids: string[], roles?: MemberRole[]) => ids.map((user_id, i) => ({ user_id, role: roles?.[i] ?? ("member" as const) }));

  const couples = Array.from({ length: Math.floor(s.users / 2) }, (_, i) => [users[2 * i]!, users[2 * i + 1]!] as const);
  for (const [a, b] of couples) {
    await storage.users.linkPartners(a.id, b.id);
    const chatId = coupleChatId(a.id, b.id);
    const ids = [a.id, b.id].sort();
    await storage.conversations.ensure({ key: coupleKey(chatId), type: "couple", public_id: chatId, mode: "normal", created_at }, members(ids));
    convs.push({ key: coupleKey(chatId), type: "couple", publicId: chatId, memberIds: ids, mode: "normal" });
  }

  const groups = Array.from({ length: Math.round(s.conversations * GROUP_SHARE) }, (_, i) => {
    const chosen = new Set<WorldUser>();
    for (let n = 3 + Math.floor(rng() * 38); chosen.size < Math.min(n, s.users); ) chosen.add(pick(rng, users));
    return { id: `grow-${i}`, members: [...chosen], isPublic: rng() < PUBLIC_GROUP_SHARE };
  });
  for (const g of groups) {
    const ids = g.members.map((u) => u.id);
    await storage.groups.create({ id: g.id, name: `Group ${g.id}`, description: "", is_public: g.isPublic, owner_id: ids[0]!, avatar_url: null, created_at }, members(ids, ids.map((_, i) => (i === 0 ? "owner" : "member"))));
    convs.push({ key: `group:${g.id}`, type: "group", publicId: g.id, memberIds: ids, mode: null });
  }

  const pairs = new Map<string, [WorldUser, WorldUser]>();
  while (pairs.size < s.conversations - couples.length - groups.length) {
    const [a, b] = [pick(rng, users), pick(rng, users)];
    if (a !== b) pairs.set(dmIdFor(a.card.username, b.card.username), [a, b]);
  }
  for (const [key, [a, b]] of pairs) {
    const ids = [a.id, b.id].sort();
    await storage.conversations.ensure({ key, type: "dm", public_id: key, mode: null, created_at }, members(ids));
    convs.push({ key, type: "dm", publicId: key, memberIds: ids, mode: null });
  }

  const convsOf = new Map<string, number[]>();
  convs.forEach((c, i) => c.memberIds.forEach((id) => convsOf.set(id, [...(convsOf.get(id) ?? []), i])));
  const probeUsers = [...new Set(Array.from({ length: s.probes * 3 }, () => pick(rng, users)))].slice(0, s.probes);
  const probes = probeUsers.map((user) => {
    const mine = convsOf.get(user.id) ?? [];
    const firstOf = (t: ConversationType) => mine.filter((i) => convs[i]!.type === t).slice(0, 1);
    return { user, convs: mine, hot: [...firstOf("couple"), ...firstOf("dm"), ...firstOf("group")] };
  });
  const hot = new Set(probes.flatMap((p) => p.hot));
  while (hot.size < Math.max(1, Math.round(convs.length / 100))) hot.add(Math.floor(rng() * convs.length));
  const samples = new Map(probes.flatMap((p) => p.convs.map((i) => [convs[i]!.key, { seen: 0, kept: [] as SampleMessage[] }] as const)));
  return { users, convs, hot: [...hot], probes, samples, messages: 0, eventHead: 0, clock: start, stepMs: DAY_MS / s.maxMessages, rng };
}

/**
 * Adds messages (and their events, appended per chunk) until the world holds `target`, or
 * `deadline` (ms since the epoch) passes; returns how many it holds.
 */
export async function fillTo(storage: Storage, w: World, target: number, deadline = Infinity): Promise<number> {
  const CHUNK = 500;
  const byId = new Map(w.users.map((u) => [u.id, u]));
  const couples = w.convs.filter((c) => c.type === "couple");
  while (w.messages < target && Date.now() < deadline) {
    const n = Math.min(CHUNK, target - w.messages);
    const events: NewEvent[] = [];
    for (let k = 0; k < n; k++) {
      const conv = w.convs[w.rng() < HOT_SHARE ? pick(w.rng, w.hot) : Math.floor(w.rng() * w.convs.length)]!;
      const sender = byId.get(pick(w.rng, conv.memberIds))!;
      const at = Math.round((w.clock += w.stepMs));
      const created_at = new Date(at);
      const { message } = await storage.messages.append({
        id: newId(at), conversation_key: conv.key, client_message_id: randomUUID(), sender_id: sender.id, sender: sender.card,
        text: LOREM.slice(0, 20 + Math.floor(w.rng() * 260)), kind: "text", media: null, sticker: null, reply_to: null, mode: conv.mode, created_at,
      });
      events.push({ type: "new_message", ns: namespaceOf[conv.type], conversation_key: conv.key, user_ids: [], payload: { message: toMessage(message) }, created_at });
      if ((w.messages + k) % 20 === 19) events.push(thinkingOfYou(pick(w.rng, couples), byId, at));
      sample(w, conv.key, { id: message.id, seq: message.seq, created_at: at });
    }
    const positions = await storage.events.append(events);
    w.eventHead = Math.max(w.eventHead, ...positions.filter((p): p is number => typeof p === "number"));
    w.messages += n;
  }
  return w.messages;
}

function thinkingOfYou(couple: Conv, byId: Map<string, WorldUser>, at: number): NewEvent {
  const [from, to] = couple.memberIds.map((id) => byId.get(id)!) as [WorldUser, WorldUser];
  return { type: "thinking_of_you_received", ns: "couples", conversation_key: null, user_ids: [to.id], payload: { from: from.card, at: new Date(at).toISOString() }, created_at: new Date(at) };
}

/** Reservoir sampling: every message of a probe conversation is equally likely to be kept. */
function sample(w: World, key: string, m: SampleMessage) {
  const r = w.samples.get(key);
  if (!r) return;
  r.seen++;
  if (r.kept.length < RESERVOIR) r.kept.push(m);
  else if (w.rng() * r.seen < RESERVOIR) r.kept[Math.floor(w.rng() * RESERVOIR)] = m;
}

/** As an active user would have: each probe user has read up to 0-20 messages short of each conversation's end. */
export async function markProbeReads(storage: Storage, w: World) {
  for (const p of w.probes) {
    for (const conv of p.convs.map((i) => w.convs[i]!)) {
      const last = (await storage.conversations.byKey(conv.key))?.last_seq ?? 0;
      await storage.conversations.markRead(conv.key, p.user.id, Math.max(0, last - Math.floor(w.rng() * 20)), new Date());
    }
  }
}
