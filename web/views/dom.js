// @ts-check
// A few DOM helpers. Text always goes in through textContent, never innerHTML, so
// message text cannot inject markup; event handlers are attached in code (the CSP
// forbids inline ones).

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined | EventListener>} [attrs]
 *   `class`, `text`, `on<event>`, `data-*`, `aria-*` or any attribute; false/null/undefined skip it
 * @param {(Node | string | null | undefined | false)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = String(v);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** @param {string} id @returns {HTMLElement} */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el;
}

/** @template {HTMLElement} T @param {string} id @param {new () => T} type @returns {T} */
export function typedById(id, type) {
  const el = byId(id);
  if (!(el instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return el;
}

/** @param {Element} el @param {(Node | string)[]} children */
export function replaceChildren(el, children) {
  el.replaceChildren(...children);
}

/** @param {string} name */
export function initials(name) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts[1]?.[0] ?? "")).toUpperCase();
}

/** An avatar: the picture if there is one, else initials on a colour derived from the name. @param {{ display_name: string, avatar_url?: string | null }} user @param {string} [cls] */
export function avatar(user, cls = "avatar") {
  const el = h("span", { class: cls, "aria-hidden": "true" });
  fillAvatar(el, user);
  return el;
}

/** @param {HTMLElement} el @param {{ display_name: string, avatar_url?: string | null }} user */
export function fillAvatar(el, user) {
  el.replaceChildren();
  if (user.avatar_url) el.append(h("img", { src: user.avatar_url, alt: "", loading: "lazy" }));
  else el.textContent = initials(user.display_name);
  let hash = 0;
  for (const ch of user.display_name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  el.style.setProperty("--avatar-hue", String(hash % 360));
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

/** @param {string} iso */
export function shortTime(iso) {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? timeFmt.format(d) : `${dayFmt.format(d)} ${timeFmt.format(d)}`;
}
