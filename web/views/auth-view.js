// @ts-check
// Log in or register. The SDK logs in itself (`credentials`); registration is a REST call
// whose token pair the SDK then takes over (`tokens`).

import { register } from "../api.js";
import { byId, typedById } from "./dom.js";

/** @typedef {{ credentials: { username: string, password: string } } | { tokens: { access_token: string, refresh_token: string, expires_at: number } }} StartWith */

/** @param {{ start: (opts: StartWith) => Promise<void> }} d */
export function createAuthView(d) {
  const screen = byId("auth-screen");
  const error = byId("auth-error");
  const loginForm = typedById("login-form", HTMLFormElement);
  const registerForm = typedById("register-form", HTMLFormElement);
  const tabs = [typedById("tab-login", HTMLButtonElement), typedById("tab-register", HTMLButtonElement)];

  /** @param {number} index */
  function select(index) {
    tabs.forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
    });
    loginForm.hidden = index !== 0;
    registerForm.hidden = index !== 1;
    error.textContent = "";
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(i));
    // Arrow keys move between tabs (WAI-ARIA tabs pattern).
    tab.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      const next = (i + 1) % tabs.length;
      select(next);
      tabs[next]?.focus();
    });
  });

  /** @param {HTMLFormElement} form @param {(data: Record<string, string>) => Promise<StartWith>} call */
  function bind(form, call) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const button = form.querySelector("button[type=submit]");
      button?.setAttribute("disabled", "");
      try {
        const data = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, k === "password" ? String(v) : String(v).trim()]));
        await d.start(await call(data));
        form.reset();
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
      } finally {
        button?.removeAttribute("disabled");
      }
    });
  }
  bind(loginForm, async (f) => ({ credentials: { username: f.phone ?? "", password: f.password ?? "" } }));
  bind(registerForm, async (f) => {
    const t = await register({ phone: f.phone ?? "", password: f.password ?? "", display_name: f.display_name ?? "", ...(f.username ? { username: f.username.toLowerCase() } : {}) });
    return { tokens: { access_token: t.access_token, refresh_token: t.refresh_token, expires_at: Date.now() + (t.expires_in ?? 1800) * 1000 } };
  });

  return {
    show() {
      screen.hidden = false;
      typedById("login-phone", HTMLInputElement).focus();
    },
    hide() {
      screen.hidden = true;
    },
  };
}
