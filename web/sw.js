// @ts-check
// The service worker, served at /sw.js with scope / (web/push.js registers it). It does two
// things and caches nothing:
//  - `push`: the server's JSON payload (docs/PUSH.md, "The payload") becomes a notification:
//    title the sender's name, body the preview (or what kind of event it is), tag the
//    collapse key (one notification per conversation, the newest), and the app badge is set
//    to the unread total the payload carries, where the browser has a badge.
//  - `notificationclick`: focuses a tab of the client and tells it which conversation to open,
//    or opens `/#/<type>/<id>`, which the page opens once it is signed in (app.js).
// A classic script (module workers are not everywhere yet): its top-level names are global,
// hence the `sw` prefixes. The types of the worker scope are declared below because the
// project's type check uses the DOM library, which does not have them.

/** @typedef {import("../src/contract/models.ts").PushPayload} SwPushPayload */
/** @typedef {Event & { waitUntil(p: Promise<unknown>): void }} SwExtendableEvent */
/** @typedef {SwExtendableEvent & { data: { json(): unknown, text(): string } | null }} SwPushEvent */
/** @typedef {SwExtendableEvent & { notification: Notification }} SwNotificationEvent */
/** @typedef {{ url: string, focused: boolean, visibilityState: DocumentVisibilityState, focus(): Promise<unknown>, postMessage(message: unknown): void }} SwWindowClient */
/**
 * @typedef {{
 *   registration: ServiceWorkerRegistration,
 *   location: Location,
 *   navigator: Navigator,
 *   clients: {
 *     matchAll(o: { type: "window", includeUncontrolled: boolean }): Promise<SwWindowClient[]>,
 *     openWindow(url: string): Promise<unknown>,
 *     claim(): Promise<void>,
 *   },
 *   skipWaiting(): Promise<void>,
 *   addEventListener(type: "install" | "activate", fn: (e: SwExtendableEvent) => void): void,
 *   addEventListener(type: "push", fn: (e: SwPushEvent) => void): void,
 *   addEventListener(type: "notificationclick", fn: (e: SwNotificationEvent) => void): void,
 * }} SwScope
 */

const sw = /** @type {SwScope} */ (/** @type {unknown} */ (self));

/** The body when a push has no preview (the server's genericBody in src/push/push-payload.ts). */
const SW_GENERIC_BODY = {
  message: "New message",
  mention: "Mentioned you",
  reaction: "Reacted to your message",
  thinking_of_you: "Is thinking of you",
  partner_request: "Sent you a partner request",
  group_invite: "Added you to a group",
};

// A new version takes over at once: it holds no state and no cache to migrate.
sw.addEventListener("install", () => void sw.skipWaiting());
sw.addEventListener("activate", (e) => e.waitUntil(sw.clients.claim()));

sw.addEventListener("push", (e) => {
  const payload = swReadPayload(e);
  // userVisibleOnly: every push must show a notification, even one we cannot read.
  e.waitUntil(Promise.all([swShow(payload), swSetBadge(payload?.badge)]));
});

sw.addEventListener("notificationclick", (e) => {
  e.notification.close();
  const done = swOpen(/** @type {Partial<SwPushPayload> | null} */ (e.notification.data));
  e.waitUntil(done);
});

/** @param {SwPushEvent} e @returns {Partial<SwPushPayload> | null} */
function swReadPayload(e) {
  try {
    const data = e.data?.json();
    return data && typeof data === "object" ? /** @type {Partial<SwPushPayload>} */ (data) : null;
  } catch {
    return null;
  }
}

/** @param {Partial<SwPushPayload> | null} p */
function swShow(p) {
  const title = p?.sender?.display_name || "New message";
  const body = p?.preview ?? (p?.kind && SW_GENERIC_BODY[p.kind]) ?? "New message";
  /** @type {NotificationOptions} */
  const options = { body, data: p ?? {} };
  if (p?.collapse_key) options.tag = p.collapse_key;
  return sw.registration.showNotification(title, options);
}

/** @param {unknown} badge */
async function swSetBadge(badge) {
  if (typeof badge !== "number" || !("setAppBadge" in sw.navigator)) return;
  // Only an installed app has a badge; elsewhere this rejects, which is fine.
  await (badge > 0 ? sw.navigator.setAppBadge(badge) : sw.navigator.clearAppBadge()).catch(() => {});
}

/** `#/<type>/<id>`: what the page opens (app.js); empty when the push names no conversation. @param {Partial<SwPushPayload> | null} p */
function swHashOf(p) {
  return p?.conversation_type && p.conversation_id ? `#/${p.conversation_type}/${encodeURIComponent(p.conversation_id)}` : "";
}

/**
 * Focuses a tab of the client (the focused or visible one first) and tells it what to open,
 * or opens a new tab at `/#/<type>/<id>`.
 * @param {Partial<SwPushPayload> | null} p
 */
async function swOpen(p) {
  const origin = sw.location.origin;
  const tabs = (await sw.clients.matchAll({ type: "window", includeUncontrolled: true })).filter((c) => new URL(c.url).origin === origin);
  const rank = (/** @type {SwWindowClient} */ c) => (c.focused ? 2 : c.visibilityState === "visible" ? 1 : 0);
  const tab = tabs.sort((a, b) => rank(b) - rank(a))[0];
  if (!tab) {
    await sw.clients.openWindow(`${origin}/${swHashOf(p)}`);
    return;
  }
  if (p?.conversation_type && p.conversation_id) tab.postMessage({ type: "open-conversation", conversation_type: p.conversation_type, conversation_id: p.conversation_id });
  // Allowed only in the click's handler; a tab that cannot be focused still got the message.
  await tab.focus().catch(() => {});
}
