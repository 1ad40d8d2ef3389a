// @ts-check
// Web Push for this browser (docs/PUSH.md): ask for permission, register the service worker
// (/sw.js, scope /), subscribe with the server's VAPID key and register the subscription with
// the server; and the way back (DELETE, then unsubscribe). The server pushes only while no
// tab or app of the user is connected, so a notification never doubles a message on screen.
// Every failure comes back as a sentence the page can show: no support, permission refused,
// no push service reachable (Chromium without Google's services, a private window, a network
// that blocks it), or the server refusing the subscription.

/** @typedef {import("./api.js").Api} Api */
/** @typedef {"on" | "off" | "unsupported"} PushState */
/** @typedef {{ state: PushState, message: string }} PushStatus */

/** How long to wait for the browser's push service: without one, Chromium never answers. */
export const SUBSCRIBE_TIMEOUT_MS = 20_000;
const SW_URL = "/sw.js";
const SW_SCOPE = "/";

/** Base64url (the VAPID key as the server gives it) to bytes. @param {string} text */
export function base64UrlToBytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** @param {ArrayBuffer | null | undefined} a @param {Uint8Array} b */
function sameBytes(a, b) {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/** Why this page cannot do push at all, or null when it can. */
export function unsupportedReason() {
  if (!window.isSecureContext) return "Push notifications need https (or localhost).";
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return "This browser cannot show push notifications.";
  return null;
}

/** @template T @param {Promise<T>} p @param {number} ms @returns {Promise<T>} */
function withTimeout(p, ms) {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })), ms);
    p.then(
      (v) => {
        window.clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        window.clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** @param {unknown} err */
const messageOf = (err) => (err instanceof Error ? err.message : String(err));

/** @param {{ api: Api, subscribeTimeoutMs?: number }} d */
export function createPush(d) {
  const { api } = d;

  /** The registration at scope /, if this browser has one. */
  async function registration() {
    return (await navigator.serviceWorker.getRegistration(SW_SCOPE)) ?? null;
  }

  /** The server's subscriptions of this user that are this browser's. @param {PushSubscription} sub */
  async function serverCopies(sub) {
    const { subscriptions } = await api.get("/api/push/subscriptions");
    return /** @type {{ id: string, endpoint?: string }[]} */ (subscriptions).filter((s) => s.endpoint === sub.endpoint);
  }

  return {
    /** Where this browser stands: on only if it is subscribed and the server has that subscription for this user. @returns {Promise<PushStatus>} */
    async status() {
      const reason = unsupportedReason();
      if (reason) return { state: "unsupported", message: reason };
      if (Notification.permission === "denied") return { state: "off", message: "Notifications are blocked for this site. Allow them in the browser's site settings to turn them on." };
      const sub = await (await registration())?.pushManager.getSubscription();
      if (sub && Notification.permission === "granted" && (await serverCopies(sub).catch(() => [])).length > 0) {
        return { state: "on", message: "Notifications are on for this browser." };
      }
      return { state: "off", message: "" };
    },

    /** Asks, registers, subscribes and tells the server. @returns {Promise<PushStatus>} */
    async enable() {
      const reason = unsupportedReason();
      if (reason) return { state: "unsupported", message: reason };
      const permission = await Notification.requestPermission();
      if (permission === "denied") return { state: "off", message: "Notifications are blocked for this site. Allow them in the browser's site settings, then try again." };
      if (permission !== "granted") return { state: "off", message: "Notifications were not allowed." };

      await navigator.serviceWorker.register(SW_URL, { scope: SW_SCOPE, updateViaCache: "none" });
      const reg = await navigator.serviceWorker.ready;

      /** @type {Uint8Array} */
      let key;
      try {
        key = base64UrlToBytes((await api.call("/api/push/vapid-public-key", { auth: false })).public_key);
      } catch (err) {
        return { state: "off", message: `The server cannot do push notifications right now (${messageOf(err)}).` };
      }

      let sub = await reg.pushManager.getSubscription();
      // Subscribed with another key (the server's key changed): that subscription is useless now.
      if (sub && !sameBytes(sub.options.applicationServerKey, key)) {
        await sub.unsubscribe().catch(() => {});
        sub = null;
      }
      if (!sub) {
        try {
          const options = { userVisibleOnly: true, applicationServerKey: /** @type {Uint8Array<ArrayBuffer>} */ (key) };
          sub = await withTimeout(reg.pushManager.subscribe(options), d.subscribeTimeoutMs ?? SUBSCRIBE_TIMEOUT_MS);
        } catch (err) {
          const e = /** @type {Error} */ (err);
          if (e.name === "TimeoutError") {
            return { state: "off", message: `This browser's push service did not answer in ${Math.round((d.subscribeTimeoutMs ?? SUBSCRIBE_TIMEOUT_MS) / 1000)} s: the network may block it, or this browser has none (Chromium without Google's services). Notifications stay off.` };
          }
          if (e.name === "NotAllowedError") return { state: "off", message: "The browser refused: notifications are not allowed for this site." };
          return { state: "off", message: `The browser could not subscribe to its push service (${e.message}). Private windows and browsers without a push service cannot get push notifications.` };
        }
      }

      try {
        await api.post("/api/push/subscriptions", { type: "webpush", ...sub.toJSON() });
      } catch (err) {
        // A subscription the server will not push to is of no use: drop it here too.
        await sub.unsubscribe().catch(() => {});
        const why = messageOf(err);
        return { state: "off", message: `The server did not accept this browser's push subscription: ${why}` };
      }
      return { state: "on", message: "Notifications are on for this browser. You get them while no tab or app of yours is connected." };
    },

    /** Removes the subscription from the server (no more pushes), then from the browser. @returns {Promise<PushStatus>} */
    async disable() {
      if (unsupportedReason()) return { state: "unsupported", message: unsupportedReason() ?? "" };
      const sub = await (await registration())?.pushManager.getSubscription();
      if (!sub) return { state: "off", message: "Notifications are off for this browser." };
      let failed = "";
      try {
        for (const s of await serverCopies(sub)) await api.del(`/api/push/subscriptions/${encodeURIComponent(s.id)}`);
      } catch (err) {
        failed = messageOf(err);
      }
      // Unsubscribed here, the push service refuses the server's next push and the server forgets it.
      await sub.unsubscribe().catch(() => {});
      return { state: "off", message: failed ? `Notifications are off for this browser (the server was not told: ${failed}).` : "Notifications are off for this browser." };
    },
  };
}

/** @typedef {ReturnType<typeof createPush>} Push */
