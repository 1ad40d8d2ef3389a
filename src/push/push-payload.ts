// What a push says. One small JSON document per push, the same for every sender (Web Push
// encrypts it as is; FCM carries it as string data plus a visible notification), so a client
// handles one shape. It holds no more than a lock screen shows: the preview is short and is
// left out for incognito couple messages and whenever PUSH_INCLUDE_PREVIEW=false.
import { createHash } from "node:crypto";
import type { MessageKind, PushKind, PushPayload } from "../contract/models.ts";

// The shape itself is part of the client contract (a service worker or app reads it).
export type { PushKind, PushPayload };

/** Longest preview, in characters: a lock screen shows two lines; the payload stays far below 4 KB. */
export const PREVIEW_MAX_CHARS = 120;
const NAME_MAX_CHARS = 64;

export function truncate(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
}

export const displayName = (name: string) => truncate(name, NAME_MAX_CHARS);

const KIND_PREVIEW: Record<MessageKind, string> = {
  text: "",
  image: "📷 Photo",
  video: "🎬 Video",
  audio: "🎤 Voice message",
  document: "📄 Document",
  sticker: "Sticker",
  system: "",
};

/** A message's preview: its text, or what it carries when it has none. */
export function messagePreview(text: string, kind: MessageKind): string | undefined {
  const t = truncate(text, PREVIEW_MAX_CHARS);
  return t || KIND_PREVIEW[kind] || undefined;
}

/**
 * A collapse key of ≤ 32 base64url characters (Web Push's Topic limit; FCM's collapse_key and
 * APNs' apns-collapse-id take it too): a hash, so it says nothing about the conversation to
 * the push service and is the same on every node.
 */
export function collapseKeyOf(scope: string): string {
  return createHash("sha256").update(scope).digest("base64url").slice(0, 32);
}

/** The line a visible notification shows when there is no preview (FCM's notification.body, and a client's fallback). */
export function genericBody(kind: PushKind): string {
  switch (kind) {
    case "message":
      return "New message";
    case "mention":
      return "Mentioned you";
    case "reaction":
      return "Reacted to your message";
    case "thinking_of_you":
      return "Is thinking of you";
    case "partner_request":
      return "Sent you a partner request";
    case "group_invite":
      return "Added you to a group";
  }
}

/** Web Push Urgency: what deserves waking a phone on a low battery. */
export function urgencyOf(kind: PushKind): "high" | "normal" {
  return kind === "message" || kind === "mention" || kind === "thinking_of_you" ? "high" : "normal";
}
