// @ts-check
// Entry point: wires the session, the REST client, the store, the Socket.IO connection and
// the views. Data flows one way: server (REST or event) → store → notify → views render.
// docs/WEB-CLIENT.md explains the pieces and the reconnect/catch-up algorithm.

import { createApi } from "./api.js";
import { createCatchUp } from "./catch-up.js";
import { createDirectory } from "./directory.js";
import { createEventHandler } from "./events.js";
import { createMessaging } from "./messaging.js";
import { createPush } from "./push.js";
import { createSafety } from "./safety.js";
import { createSession } from "./session.js";
import { createRealtime, transportsFrom } from "./socket.js";
import { createStore } from "./store.js";
import { shownTotal } from "./unread.js";
import { createAuthView } from "./views/auth-view.js";
import { createBansView } from "./views/bans-view.js";
import { createConversationView } from "./views/conversation-view.js";
import { byId } from "./views/dom.js";
import { createNotifyView } from "./views/notify-view.js";
import { createReportView } from "./views/report-view.js";
import { createSettingsView } from "./views/settings-view.js";
import { createSidebarView } from "./views/sidebar-view.js";
import { createToasts } from "./views/toasts.js";

/** @typedef {import("./socket.js").Realtime} Realtime */
/** @typedef {import("./types.js").Session} Session */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").ConversationType} ConversationType */

const ACTIVE_KEY = "chat.active"; // per tab: which conversation to reopen after a reload
const root = document.documentElement;
const baseTitle = document.title;
/** `#/<type>/<id>`: a conversation to open (a notification click opens `/` with one, see sw.js). */
const HASH_TARGET = /^#\/(couple|group|dm)\/(.+)$/;

const store = createStore();
const toast = createToasts();
/** @type {Realtime | null} */
let realtime = null;
/** @type {string | null} */
let startedFor = null;

const session = createSession({ onChange: (s) => void sessionChanged(s) });
const api = createApi(session);
const messaging = createMessaging({ store, api, realtime: () => realtime, toast });
const directory = createDirectory({ store, api, messaging, toast, onMe: (me) => session.updateUser(me) });
const safety = createSafety({ store, api, toast, reloadMe: () => directory.loadMe() });
const events = createEventHandler(store, {
  gap: (conv, after) => void messaging.fillGap(conv, after).catch(() => {}),
  unseen: (ns, m) => directory.unseen(ns, m),
  toast,
  requestsChanged: () => void directory.loadRequests().catch(() => {}),
  partnerLinked: (partner, chatId) => void directory.partnerLinked(partner, chatId),
  leftGroup: (id) => directory.leftGroup(id),
  partnerUnlinked: (p) => void directory.partnerUnlinked(p),
  memberMuted: (p) => safety.memberMuted(p),
  memberBanned: (banned, p) => safety.memberBanned(banned, p),
  sessionEnded: () => {
    // Ended from another device (or the password changed there): this login is over.
    // Our own account deletion ends it too; the settings view says so then.
    if (safety.deleting) return;
    toast("This session was ended from another device. Log in again.");
    session.set(null);
  },
  reading: (key) => messaging.readingKey() === key,
});
const catchUp = createCatchUp({
  store,
  get: (path) => api.get(path),
  apply: (ns, type, data) => applyEvent(ns, type, data),
  async resync() {
    // The event stream cannot fill the gap: forget what we hold, reload from history.
    for (const conv of store.state.conversations.values()) {
      conv.messages.clear();
      conv.loaded = false;
    }
    await directory.loadAll();
    const active = store.active;
    if (active) await messaging.loadLatest(active, { replace: true });
  },
  async refetchActive() {
    const active = store.active;
    if (active?.loaded) await messaging.loadLatest(active);
  },
  onRun: () => {
    store.state.connection.syncRuns++;
    store.notify("connection");
  },
});

const auth = createAuthView({ api, session });
const sidebar = createSidebarView({ store, directory, readingKey: () => messaging.readingKey() });
const reportView = createReportView({ safety });
const settings = createSettingsView({
  safety,
  onDeleted: () => {
    toast("Your account was deleted.");
    session.set(null);
  },
});
const bansView = createBansView({ safety, store });
const conversation = createConversationView({ store, messaging, mute: (conv, choice) => directory.mute(conv, choice), safety, report: (target, what) => reportView.open(target, what), bans: (groupId) => bansView.open(groupId) });
const notify = createNotifyView({ push: createPush({ api }) });

/** @param {Namespace} ns @param {string} type @param {any} payload */
function applyEvent(ns, type, payload) {
  const topic = events.apply(ns, type, payload);
  if (topic) store.notify(topic);
}

// Rendering is batched: a burst of events (a sync page) renders once.
let renderQueued = false;
let sidebarDirty = true;
store.subscribe((topic) => {
  if (topic === "sidebar" || topic === "presence" || topic === "active") sidebarDirty = true;
  if (topic === "active") rememberActive();
  if (topic === "blocks") settings.blocksChanged();
  if (topic === "bans") bansView.refresh();
  if (renderQueued) return;
  renderQueued = true;
  window.setTimeout(() => {
    renderQueued = false;
    if (!store.state.me) return;
    if (sidebarDirty) sidebar.render();
    sidebarDirty = false;
    conversation.render();
    renderConnection();
    renderUnreadTotal();
  }, 0);
});

let shownBadge = -1;
/** The total unread in the title ("(3) Chat") and, where the browser has one, the app badge. */
function renderUnreadTotal() {
  const n = shownTotal(store.state, messaging.readingKey());
  document.title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle;
  root.dataset.unread = String(n);
  if (n === shownBadge || !("setAppBadge" in navigator)) return;
  shownBadge = n;
  // Rejected where the page is not an installed app: nothing to show then.
  void (n > 0 ? navigator.setAppBadge(n) : navigator.clearAppBadge()).catch(() => {});
}

/** unread_update is not replayed after a reconnect: read the counts again once caught up (once for the three namespaces). */
let unreadTimer = 0;
function refreshUnreadSoon() {
  window.clearTimeout(unreadTimer);
  unreadTimer = window.setTimeout(() => void directory.loadUnread().catch(() => {}), 250);
}

/** Opens the conversation named by `#/<type>/<id>`, then clears the hash. @returns {Promise<boolean>} whether there was one */
async function openFromHash() {
  const m = HASH_TARGET.exec(location.hash);
  if (!m || !store.state.me) return false;
  history.replaceState(null, "", location.pathname + location.search);
  await openTarget(/** @type {ConversationType} */ (m[1]), decodeURIComponent(/** @type {string} */ (m[2])));
  return true;
}

/** @param {ConversationType} type @param {string} id */
async function openTarget(type, id) {
  const ok = await directory.openTarget(type, id).catch(() => false);
  if (!ok) toast("That conversation is not available to you.");
}

function renderConnection() {
  const c = store.state.connection;
  root.dataset.connection = c.status;
  root.dataset.transport = c.transport;
  root.dataset.syncRuns = String(c.syncRuns);
  root.dataset.recovered = String(c.lastRecovered);
  const label = { connected: "● live", connecting: "connecting…", reconnecting: "reconnecting…", offline: "offline" }[c.status];
  byId("connection").textContent = c.transport && c.status === "connected" ? `${label} · ${c.transport}` : label;
}

function rememberActive() {
  const conv = store.active;
  if (!conv) return sessionStorage.removeItem(ACTIVE_KEY);
  sessionStorage.setItem(ACTIVE_KEY, JSON.stringify({ ns: conv.ns, id: conv.id, partner: conv.partner }));
}

async function restoreActive() {
  const raw = sessionStorage.getItem(ACTIVE_KEY);
  if (!raw) return;
  const saved = JSON.parse(raw);
  if (saved.ns === "couples" && saved.id === store.state.coupleChatId) await directory.openCouple();
  else if (saved.ns === "groups" && store.state.groups.some((g) => g.id === saved.id && g.is_member !== false)) await directory.openGroup(saved.id);
  else if (saved.ns === "dm" && saved.partner) await directory.openDm(saved.partner);
}

function connect() {
  let everConnected = false;
  realtime = createRealtime({
    url: location.origin,
    transports: transportsFrom(location.search),
    token: () => session.freshAccessToken(),
    refreshToken: () => session.refresh(),
    onEvent: applyEvent,
    onSession: (ns, s, recovered) => {
      store.state.connection.lastRecovered = recovered;
      void catchUp.session(ns, s, recovered).then(() => {
        messaging.flush(ns);
        refreshUnreadSoon();
      });
    },
    onConnect: () => {
      everConnected = true;
    },
    onDisconnect: (ns) => catchUp.disconnected(ns),
    onStatus: ({ connected, transport }) => {
      const c = store.state.connection;
      c.status = connected === 3 ? "connected" : everConnected ? "reconnecting" : "connecting";
      c.transport = transport;
      store.notify("connection");
    },
  });
  realtime.connect();
}

/** @param {Session | null} s */
async function sessionChanged(s) {
  if (s && startedFor === s.user.id) {
    // A refresh or a profile update: nothing to restart, but the open sockets must carry
    // the fresh token before the old one expires (the server ends them at its expiry).
    realtime?.reauth(s.access_token);
    return;
  }
  realtime?.close();
  realtime = null;
  settings.close();
  bansView.close();
  store.reset();
  startedFor = s?.user.id ?? null;
  byId("app-screen").hidden = !s;
  if (!s) {
    sessionStorage.removeItem(ACTIVE_KEY);
    root.dataset.connection = "offline";
    return auth.show();
  }
  auth.hide();
  connect();
  void notify.refresh();
  try {
    await directory.loadAll();
    if (!(await openFromHash())) await restoreActive();
  } catch (err) {
    toast(`Loading failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  store.notify("active");
}

byId("logout").addEventListener("click", async () => {
  await api.logout().catch(() => {});
  session.set(null);
});
document.addEventListener("visibilitychange", () => {
  messaging.markRead();
  store.notify("sidebar"); // the open conversation's badge shows only while the page is hidden
});
window.addEventListener("focus", () => messaging.markRead());
window.addEventListener("hashchange", () => void openFromHash());
// A click on a notification while a tab is open: the service worker says what to open.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (e) => {
    const d = e.data;
    if (d?.type === "open-conversation" && store.state.me && ["couple", "group", "dm"].includes(d.conversation_type) && typeof d.conversation_id === "string") {
      void openTarget(d.conversation_type, d.conversation_id);
    }
  });
  navigator.serviceWorker.startMessages();
}
// A mute ends by itself: redraw the lists now and then.
window.setInterval(() => store.notify("sidebar"), 60_000);

void sessionChanged(session.current);
