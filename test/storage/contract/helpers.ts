// What the contract suites share: the suite signature, record factories with fresh ids,
// and small assertion helpers.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import type { ChatMode, ConversationType, UserCard } from "../../../src/contract/models.ts";
import type { ConversationRecord, MemberRole } from "../../../src/messaging/conversation.repository.ts";
import type { NewMessage } from "../../../src/messaging/message.repository.ts";
import type { NewEvent } from "../../../src/events/event.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import { DuplicateKeyError } from "../../../src/storage/errors.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import type { NewUser, UserRecord } from "../../../src/users/user.repository.ts";
import type { Implementation, OpenedStorage } from "./implementations.ts";

/** The storage the runner opened for this file (one database for every suite). */
export type GetStorage = () => Storage;

export interface SuiteContext {
  kind: Implementation["name"];
  /** Another fresh, empty storage of the same kind, for tests that need an empty database. */
  openFresh(): Promise<OpenedStorage>;
  /** Other implementations this runner may also open (the copy suite copies across kinds). */
  others: readonly Implementation[];
  /** Several storages on one fresh database, as separate server nodes would have (MongoDB only). */
  openNodes?: (n: number) => Promise<{ nodes: Storage[]; stop(): Promise<void> }>;
}

export type ContractSuite = (get: GetStorage, ctx: SuiteContext) => void;

/** Runs `fn` on a fresh storage and stops it afterwards. */
export async function withFresh<T>(open: () => Promise<OpenedStorage>, fn: (s: Storage) => Promise<T>): Promise<T> {
  const o = await open();
  try {
    return await fn(o.storage);
  } finally {
    await o.stop();
  }
}

/**
 * Resolves once the clock is past `t` (at most a millisecond or so): not a tuned sleep,
 * only what "updated_at moves" and "newest first" need to be observable at all.
 */
export async function clockPast(t: Date | number): Promise<void> {
  const ms = typeof t === "number" ? t : t.getTime();
  if (ms > Date.now() + 5000) throw new Error(`clockPast(${new Date(ms).toISOString()}): that is not a moment away`);
  while (Date.now() <= ms) await new Promise((r) => setImmediate(r));
}

let phoneCounter = 0;
export function uniquePhone(): string {
  phoneCounter++;
  return `+1${String(process.pid % 1000).padStart(3, "0")}${String(phoneCounter).padStart(5, "0")}${randomInt(10_000).toString().padStart(4, "0")}`;
}

export function newUserInput(over: Partial<NewUser> = {}): NewUser {
  const id = newId();
  return {
    id,
    phone: uniquePhone(),
    username: `u_${id}`,
    display_name: `User ${id.slice(-6)}`,
    password_hash: `$2b$10$hash.${id}`,
    email: null,
    ...over,
  };
}

export async function createUsers(s: Storage, n: number): Promise<UserRecord[]> {
  const out: UserRecord[] = [];
  for (let i = 0; i < n; i++) out.push(await s.users.create(newUserInput()));
  return out;
}

export function card(id: string): UserCard {
  return { id, username: `u_${id}`, display_name: `User ${id.slice(-6)}`, avatar_url: null, mood: null, bubble_color: null };
}

export function keyFor(type: ConversationType): string {
  if (type === "group") return `group:g-${newId()}`;
  if (type === "dm") return `dm:u_${newId()}|u_${newId()}`;
  return `couple:${newId()}_${newId()}`;
}

export interface NewConversationOptions {
  key?: string;
  type?: ConversationType;
  members?: readonly { user_id: string; role: MemberRole }[];
  created_at?: Date;
  mode?: ChatMode | null;
  public_id?: string;
}

/** A new conversation (fresh key) through ensure(). */
export async function newConversation(s: Storage, o: NewConversationOptions = {}): Promise<ConversationRecord> {
  const type = o.type ?? "group";
  const key = o.key ?? keyFor(type);
  const { conversation, created } = await s.conversations.ensure(
    { key, type, public_id: o.public_id ?? `p-${newId()}`, mode: o.mode === undefined ? (type === "couple" ? "normal" : null) : o.mode, created_at: o.created_at ?? new Date() },
    o.members ?? [],
  );
  assert.equal(created, true, `ensure(${key}) created it`);
  return conversation;
}

export function messageInput(key: string, senderId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId(),
    conversation_key: key,
    client_message_id: `cm-${newId()}`,
    sender_id: senderId,
    sender: card(senderId),
    text: "hello",
    kind: "text",
    media: null,
    sticker: null,
    reply_to: null,
    mentions: [],
    mode: null,
    created_at: new Date(),
    ...over,
  };
}

export function eventInput(over: Partial<NewEvent> = {}): NewEvent {
  return { type: "test_event", ns: "/chat", conversation_key: null, user_ids: [], payload: { n: 1 }, created_at: new Date(), ...over };
}

/** Keys and values no database field name could hold, plus ones that look like operators or prototypes. */
export function oddPayload(): Record<string, unknown> {
  const payload = JSON.parse('{"__proto__": {"polluted": true}, "nested": {"__proto__": 1}}') as Record<string, unknown>;
  Object.assign(payload, {
    "a.b": 1,
    "$x": { "$set": { "y.z": 2 } },
    "$": "dollar",
    "nul\u0000key": "nul\u0000value",
    constructor: "ctor",
    prototype: { toString: "x" },
    "": "empty key",
    unicode: "😀 ünïcödé",
    numbers: [0, -1, 1.5, 2 ** 53 - 1, -0.25],
    flags: [true, false, null],
    deep: { a: [{ "b.c": [{ "$d": null }] }] },
    empty: {},
    list: [],
  });
  return payload;
}

/** For assert.rejects: a DuplicateKeyError naming `key`. */
export function duplicateKey(key: string) {
  return (err: unknown): true => {
    assert.ok(err instanceof DuplicateKeyError, `expected a DuplicateKeyError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    assert.equal(err.key, key, `DuplicateKeyError.key`);
    return true;
  };
}

export function byId<T extends { id: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function sortStrings(xs: readonly string[]): string[] {
  return [...xs].sort();
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** A Fisher-Yates shuffle (the order concurrent calls are started in). */
export function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Counts fulfilled results equal to `value`. */
export function countOf<T>(xs: readonly T[], value: T): number {
  return xs.filter((x) => x === value).length;
}

export function at(iso: string): Date {
  return new Date(iso);
}
