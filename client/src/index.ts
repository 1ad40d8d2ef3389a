// @chat-server/client: a typed client for the chat server that keeps its delivery promise
// (docs/DELIVERY.md) for every app: catch-up after any disconnect, dedupe and seq order per
// conversation, sends delivered exactly once across reconnects and reloads, token refresh.
// docs/CLIENT-SDK.md describes the API and the algorithm.
export { createChatClient } from "./chat-client.ts";
export type { ChatClient, SendArgs } from "./client-api.ts";
export type { ConversationView, Presence, SendInput, Typist } from "./conversation-api.ts";
export type { Cursor } from "./catch-up.ts";
export type { ChatSocket } from "./connection.ts";
export { ChatError, PERMANENT_CODES } from "./errors.ts";
export type { ApiInit } from "./http.ts";
export { newClientMessageId } from "./outbox.ts";
export { historyPaths, NAMESPACES, NS_OF_TYPE, TYPE_OF_NS, type Namespace } from "./paths.ts";
export { localStorageStore, memoryStore, type ChatStore, type StorageLike } from "./stores.ts";
export type { Backoff } from "./backoff.ts";
export type {
  ChatClientEvents,
  ChatClientOptions,
  ChatClientStats,
  ChatUser,
  Credentials,
  EventContext,
  LogoutReason,
  MessageChange,
  MessageInfo,
  MessageSource,
  OutboxEntry,
  SdkEventListeners,
  SendFailure,
  ServerEventListeners,
  Tokens,
} from "./types.ts";
export { UNREAD_FANOUT_MAX_MEMBERS } from "../../src/contract/limits.ts";
// The server's contract, for apps that type their own code with it.
export type { AckError, AckResponse, AckResult, ClientEventName, ClientEvents, ClientPayload, EventMeta, ServerEventName, ServerEventPayload, ServerEvents } from "../../src/contract/events.ts";
export type { ChatMode, ConversationType, GroupSummary, Message, MessageKind, PartnerRequest, Reaction, UnreadState, UnreadUpdate, UserCard } from "../../src/contract/models.ts";
