// @ts-check
// Log in or register. Both answer with a token pair, which becomes the session.

import { sessionFromTokenResponse } from "../session.js";
import { byId, typedById } from "./dom.js";

/** @typedef {import("../api.js").Api} Api */
/** @typedef {import("../session.js").SessionManager} SessionManager */

/** @param {{ api: Api, session: SessionManager }} d */
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

  /** @param {HTMLFormElement} form @param {(data: Record<string, string>) => Promise<any>} call */
  function bind(form, call) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const button = form.querySelector("button[type=submit]");
      button?.setAttribute("disabled", "");
      try {
        const data = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, k === "password" ? String(v) : String(v).trim()]));
        d.session.set(sessionFromTokenResponse(await call(data)));
        form.reset();
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
      } finally {
        button?.removeAttribute("disabled");
      }
    });
  }
  bind(loginForm, (f) => d.api.login(f.phone ?? "", f.password ?? ""));
  bind(registerForm, (f) =>
    d.api.register({ phone: f.phone ?? "", password: f.password ?? "", display_name: f.display_name ?? "", ...(f.username ? { username: f.username.toLowerCase() } : {}) }),
  );

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
