// @ts-check
// Entry point: starts the SDK's client for the session (a login, a registration, or the token
// pair kept in localStorage) and wires the app's state and views to it. The SDK does the
// delivery work (connection, catch-up, dedupe and order, outbox, token refresh); data flows
// one way: SDK event or REST answer → store → notify → views render. See docs/WEB-CLIENT.md.

import { createApi } from "./api.js";
import { createDirectory } from "./directory.js";
import { listen } from "./events.js";
import { createMessaging } from "./messaging.js";
import { createPastChats } from "./past-chats.js";
import { createPush } from "./push.js";
import { createSafety } from "./safety.js";
import { createChatClient, localStorageStore } from "./sdk.js";
import { createStore } from "./store.js";
import { createUnread } from "./unread.js";
import { createAuthView } from "./views/auth-view.js";
import { createBansView } from "./views/bans-view.js";
import { createConversationView } from "./views/conversation-view.js";
import { byId } from "./views/dom.js";
import { createNotifyView } from "./views/notify-view.js";
import { createReportView } from "./views/report-view.js";
import { createReportsView } from "./views/reports-view.js";
import { createSettingsView } from "./views/settings-view.js";
import { createSidebarView } from "./views/sidebar-view.js";
import { createToasts } from "./views/toasts.js";

/** @typedef {import("./sdk.js").ChatClient} ChatClient */
/** @typedef {import("./types.js").ConversationType} ConversationType */
/** @typedef {import("./views/auth-view.js").StartWith} StartWith */

const ACTIVE_KEY = "chat.active"; // per tab: which conversation to reopen after a reload
/** The SDK keeps `auth` (the token pair), `cursor` and `outbox` under this prefix, so a reload resumes and resends. */
const SDK_PREFIX = "chat.";
const root = document.documentElement;
const baseTitle = document.title;
/** `#/<type>/<id>`: a conversation to open (a notification click opens `/` with one, see sw.js). */
const HASH_TARGET = /^#\/(couple|group|dm)\/(.+)$/;

const store = createStore();
const unread = createUnread(store);
const toast = createToasts();
const api = createApi(store);
const messaging = createMessaging({ store, toast });
const pastChats = createPastChats({ store, api, messaging, toast });
const directory = createDirectory({ store, api, messaging, pastChats, toast });
const safety = createSafety({ store, api, toast, reloadMe: () => directory.loadMe() });

const auth = createAuthView({ start: (opts) => begin(opts) });
const sidebar = createSidebarView({ store, directory, pastChats, unread, readingKey: () => messaging.readingKey() });
const reportView = createReportView({ safety });
const reportsView = createReportsView({ api });
const settings = createSettingsView({
  safety,
  operatorQueue: { isOperator: () => store.state.me?.is_operator === true, open: () => reportsView.open({ kind: "operator" }) },
  onDeleted: () => {
    toast("Your account was deleted.");
    void store.client?.logout(); // forgets the pair, cursor and outbox; the sign-out follows (logged_out)
  },
});
const bansView = createBansView({ safety, store });
const conversation = createConversationView({ store, messaging, unread, mute: (conv, choice) => directory.mute(conv, choice), safety, report: (target, what) => reportView.open(target, what), bans: (groupId) => bansView.open(groupId), reports: (groupId, name) => reportsView.open({ kind: "group", groupId, name }) });
const notify = createNotifyView({ push: createPush({ api }) });

/** `?transport=polling` forces long-polling (a proxy that blocks WebSocket), `?transport=websocket` WebSocket only. @param {string} search */
function transportsFrom(search) {
  const t = new URLSearchParams(search).get("transport");
  return t === "polling" || t === "websocket" ? [/** @type {"polling" | "websocket"} */ (t)] : undefined;
}

/** Runs a token refresh under a lock all tabs of this origin share. @template T @param {() => Promise<T>} fn @returns {Promise<T>} */
const underLock = (fn) => /** @type {Promise<T>} */ (/** @type {unknown} */ (navigator.locks.request("chat-refresh", fn)));

/**
 * Starts a session: a new SDK client (log in, or take a pair; none: the pair kept in the
 * store), its listeners, then the app. Rejects (for the login form) if the login is refused.
 * @param {StartWith | {}} opts
 */
async function begin(opts) {
  const client = createChatClient({
    url: location.origin,
    store: localStorageStore(SDK_PREFIX),
    transports: transportsFrom(location.search),
    // Refresh tokens rotate and a reused one revokes the family: the tabs refresh one at a time
    // (without a secure context there are no Web Locks; a tab then refreshes unguarded).
    refreshLock: navigator.locks ? underLock : undefined,
    trackUnread: false, // read after every catch-up instead, see wire()
    autoConnect: false,
    ...opts,
  });
  close();
  store.reset(client);
  wire(client);
  try {
    // Resolves once the session has its tokens; the sockets and the catch-up go on by themselves.
    await new Promise((resolve, reject) => {
      client.once("tokens", resolve);
      client.connect().catch(reject);
    });
  } catch (err) {
    if (store.client === client) signOut();
    throw err;
  }
  auth.hide();
  byId("app-screen").hidden = false;
  void notify.refresh();
  try {
    await directory.loadAll();
    if (!(await openFromHash())) await restoreActive();
  } catch (err) {
    if (store.client === client) toast(`Loading failed: ${err instanceof Error ? err.message : String(err)}`); // else: logged_out said why
  }
  store.notify("active");
}

/** What the app adds to a client: its event listeners, the connection line, the end of the session. @param {ChatClient} client */
function wire(client) {
  listen(client, store, {
    toast,
    threadsChanged: () => directory.threadsChanged(),
    requestsChanged: () => void directory.loadRequests().catch(() => {}),
    partnerLinked: (partner, chatId) => void directory.partnerLinked(partner, chatId),
    partnerUnlinked: (p) => void directory.partnerUnlinked(p),
    leftGroup: (id) => directory.leftGroup(id),
    memberMuted: (p) => safety.memberMuted(p),
    memberBanned: (banned, p) => safety.memberBanned(banned, p),
    reportFiled: (groupId) => reportsView.refresh(groupId),
  });
  const c = store.state.connection;
  let everConnected = false;
  const engines = new WeakSet();
  const status = () => {
    if (store.client !== client) return;
    c.status = client.connected() ? "connected" : everConnected ? "reconnecting" : "connecting";
    c.syncRuns = client.stats.syncRequests;
    const engine = client.socket("couples")?.io.engine;
    if (engine && !engines.has(engine)) {
      engines.add(engine);
      engine.on("upgrade", status);
    }
    c.transport = engine?.transport?.name ?? c.transport;
    store.notify("connection");
  };
  status();
  client.on("connected", ({ recovered }) => {
    everConnected = true;
    c.lastRecovered = recovered;
    status();
  });
  client.on("disconnected", status);
  client.on("caught_up", ({ resynced }) => {
    status();
    // unread_update is not replayed after a reconnect: read the counts again once caught up.
    void directory.loadUnread().catch(() => {});
    // 410: the events missed are gone. The SDK read the conversations again; the lists are the app's.
    if (resynced) void directory.loadAll().catch(() => {});
  });
  client.on("logged_out", ({ reason }) => {
    if (store.client !== client) return;
    // Another tab logged in as someone else: follow it (the store holds that user's pair).
    if (reason === "user_changed") return void begin({}).catch(() => signOut());
    // Ended from another device (or the password changed there). Our own account deletion
    // ends it too; the settings view says so then.
    if (reason !== "logout" && !safety.deleting) toast(reason === "session_revoked" ? "This session was ended from another device. Log in again." : "Your session has ended. Log in again.");
    signOut();
  });
}

/** Stops the current session's client (its outbox and cursor stay in the store). */
function close() {
  settings.close();
  bansView.close();
  reportsView.close();
  store.client?.close();
  store.reset(null);
  safety.deleting = false;
}

function signOut() {
  close();
  sessionStorage.removeItem(ACTIVE_KEY);
  store.state.connection.status = "offline";
  root.dataset.connection = "offline";
  byId("app-screen").hidden = true;
  auth.show();
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
  const n = unread.shownTotal(messaging.readingKey());
  document.title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle;
  root.dataset.unread = String(n);
  if (n === shownBadge || !("setAppBadge" in navigator)) return;
  shownBadge = n;
  // Rejected where the page is not an installed app: nothing to show then.
  void (n > 0 ? navigator.setAppBadge(n) : navigator.clearAppBadge()).catch(() => {});
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
  else if (saved.ns === "couples" && pastChats.has(saved.id)) await pastChats.open(saved.id);
  else if (saved.ns === "groups" && store.state.groups.some((g) => g.id === saved.id && g.is_member !== false)) await directory.openGroup(saved.id);
  else if (saved.ns === "dm" && saved.partner) await directory.openDm(saved.partner);
}

byId("logout").addEventListener("click", () => void store.client?.logout().catch(() => signOut()));
document.addEventListener("visibilitychange", () => {
  messaging.markRead();
  store.notify("sidebar"); // the open conversation's badge shows only while the page is hidden
});
window.addEventListener("focus", () => messaging.markRead());
window.addEventListener("hashchange", () => void openFromHash());
// Tabs share the token pair (the store). The SDK ends this tab's session at its next refresh if
// another tab logged in as someone else (logged_out "user_changed"); this follows at once.
window.addEventListener("storage", (e) => {
  if (e.key !== `${SDK_PREFIX}auth`) return;
  const next = e.newValue ? /** @type {{ user_id?: string }} */ (JSON.parse(e.newValue)) : null;
  if (!next) return void (store.client && signOut());
  if (next.user_id !== store.client?.userId) void begin({}).catch(() => {});
});
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

localStorage.removeItem("chat.session"); // the pair as the client kept it before the SDK: log in again once
if (localStorage.getItem(`${SDK_PREFIX}auth`)) void begin({}).catch(() => {});
else signOut();
