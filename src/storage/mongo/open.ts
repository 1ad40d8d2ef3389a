// The MongoDB storage (cluster mode), through mongoose. Targets MongoDB 7/8 and stays
// correct on FerretDB v1 (no transactions, non-atomic updates, no index use): every
// "exactly once" guarantee rests on a unique index and an insert, never on an update.
import mongoose from "mongoose";
import { StorageUnavailableError } from "../errors.ts";
import type { Storage } from "../storage.ts";
import { createClaims } from "./claims.ts";
import { mongoConversations } from "./conversations.ts";
import { mongoCopy } from "./copy.ts";
import { guarded, toStorageError } from "./errors.ts";
import { mongoEvents } from "./events.ts";
import { mongoGroups } from "./groups.ts";
import { mongoMessages } from "./messages.ts";
import { mongoPartnerRequests } from "./partner-requests.ts";
import { shapesOf, type QueryShape } from "./query-shapes.ts";
import { defineModels } from "./schemas.ts";
import { mongoSessions } from "./sessions.ts";
import { mongoProfiles, mongoStickers, mongoUploads } from "./small-repos.ts";
import { mongoPushSubscriptions } from "./push-subscriptions.ts";
import { mongoGroupSanctions } from "./group-sanctions.ts";
import { mongoReports } from "./reports.ts";
import { mongoAccountDeletions } from "./account-deletions.ts";
import { mongoBlocks } from "./blocks.ts";
import { mongoAudit } from "./audit.ts";
import { mongoUsers } from "./users.ts";
import { watchMonitors } from "./monitor-watchdog.ts";

// Filters hold only fields the schemas declare (an unknown one is dropped, not matched
// against nothing). Input reaches filters as plain strings (zod), and lookups keyed by what
// a client typed (phone, username, a media URL) also set sanitizeFilter.
mongoose.set("strictQuery", true);

export interface MongoStorageOptions {
  uri: string;
  /** Bound on each operation (and on finding a server to run it on), default 5000 ms; see socketTimeoutMS. */
  operationTimeoutMs?: number;
  /** Called with the shape of every query issued (query-shapes.ts; the shape test). */
  onQuery?: (shape: QueryShape) => void;
  /** Where a restart of the driver's wedged server monitoring is reported (monitor-watchdog.ts). */
  log?: { warn(details: object, msg: string): void };
}

export async function openMongoStorage(o: MongoStorageOptions): Promise<Storage> {
  const timeout = o.operationTimeoutMs ?? 5000;
  const conn = mongoose.createConnection(o.uri, {
    // Buffering would hide an unreachable database behind requests that hang: fail fast.
    bufferCommands: false,
    autoIndex: true,
    autoCreate: true,
    serverSelectionTimeoutMS: timeout,
    connectTimeoutMS: timeout,
    // The server stops a query at maxTimeMS (below); the socket timeout is the hard bound
    // for everything else (writes, a server that does not answer at all), set a second
    // above it so that a server-side timeout arrives as an error rather than as a dropped
    // connection. The driver retries a read or a write once after a network error, so a
    // server that hangs fails an operation after at most about 2 × (timeout + 1 s).
    socketTimeoutMS: timeout + 1000,
    waitQueueTimeoutMS: timeout,
    // A field left undefined is not stored (the driver would store null).
    ignoreUndefined: true,
  });
  conn.set("maxTimeMS", timeout);
  if (o.onQuery) {
    const record = o.onQuery;
    conn.set("debug", (collection: string, op: string, ...args: unknown[]) => shapesOf(collection, op, args).forEach(record));
  }
  try {
    await conn.asPromise();
    const models = defineModels(conn);
    // Every index exists before the first operation relies on it (the unique ones are what
    // the guarantees rest on).
    await Promise.all(Object.values(models).map((m) => m.init()));
    const client = conn.getClient();
    const watchdog = watchMonitors(client, {
      connectTimeoutMS: client.options.connectTimeoutMS,
      heartbeatFrequencyMS: client.options.heartbeatFrequencyMS,
      onEvent: (e) => o.log?.warn({ module: "storage", ...e }, e.type === "wedged" ? "database monitoring wedged: reconnecting the client" : "database reconnect failed"),
    });
    return assemble(conn, models, () => watchdog.stop());
  } catch (err) {
    await conn.close().catch(() => {});
    const mapped = toStorageError(err);
    throw mapped instanceof StorageUnavailableError ? mapped : err;
  }
}

function assemble(conn: mongoose.Connection, m: ReturnType<typeof defineModels>, stopWatchdog: () => void): Storage {
  const claims = createClaims(m.claims);
  return {
    kind: "mongo",
    users: guarded(mongoUsers({ User: m.users, claims })),
    sessions: guarded(mongoSessions({ Session: m.auth_sessions, RefreshToken: m.auth_refresh_tokens, RefreshClaim: m.auth_refresh_claims, Claim: m.claims, claims })),
    partnerRequests: guarded(mongoPartnerRequests({ PartnerRequest: m.partner_requests, claims })),
    conversations: guarded(mongoConversations({ Conversation: m.conversations, Member: m.conversation_members })),
    messages: guarded(
      mongoMessages({ Message: m.messages, Reaction: m.message_reactions, Conversation: m.conversations, Member: m.conversation_members, User: m.users }),
    ),
    events: guarded(mongoEvents({ Event: m.events, Stream: m.event_streams })),
    groups: guarded(
      mongoGroups({ Group: m.groups, Conversation: m.conversations, Member: m.conversation_members, Message: m.messages, Reaction: m.message_reactions }),
    ),
    profiles: guarded(mongoProfiles(m.profiles)),
    stickers: guarded(mongoStickers(m.sticker_packs)),
    uploads: guarded(mongoUploads(m.uploads)),
    pushSubscriptions: guarded(mongoPushSubscriptions(m.push_subscriptions)),
    reports: guarded(mongoReports(m.reports)),
    groupSanctions: guarded(mongoGroupSanctions({ Ban: m.group_bans, PostBlock: m.group_post_blocks })),
    blocks: guarded(mongoBlocks(m.blocks)),
    audit: guarded(mongoAudit(m.audit_events)),
    accountDeletions: guarded(
      mongoAccountDeletions({
        Job: m.account_deletions, User: m.users, Message: m.messages, Reaction: m.message_reactions, Upload: m.uploads, Profile: m.profiles,
        PushSubscription: m.push_subscriptions, Block: m.blocks, Group: m.groups,
      }),
    ),
    copy: guarded(mongoCopy(m)),
    async ping() {
      try {
        await conn.db!.admin().command({ ping: 1 });
      } catch (err) {
        throw toStorageError(err);
      }
    },
    close: () => {
      stopWatchdog();
      return conn.close();
    },
  };
}
