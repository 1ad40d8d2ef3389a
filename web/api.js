// @ts-check
// REST calls of the app through the SDK's `client.api` (bearer token, one refresh-and-retry
// on 401, errors as ChatError with the server's `code`, `status` and `details`; `raw: true`
// for a download), plus registration (before there is a client).

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./types.js").Me} Me */
/** @typedef {import("./sdk.js").ApiInit} ApiInit */

/** @param {Store} store */
export function createApi(store) {
  /** @param {string} path @param {ApiInit} [init] @returns {Promise<any>} */
  function call(path, init) {
    const client = store.client;
    if (!client) return Promise.reject(new Error("signed out"));
    return client.api(path, init);
  }
  return {
    call,
    /** @param {string} path */
    get: (path) => call(path),
    /** @param {string} path @param {unknown} [json] */
    post: (path, json) => call(path, { method: "POST", json: json ?? {} }),
    /** @param {string} path @param {unknown} json */
    put: (path, json) => call(path, { method: "PUT", json }),
    /** @param {string} path @param {unknown} [json] */
    del: (path, json) => call(path, { method: "DELETE", ...(json === undefined ? {} : { json }) }),
    /** @returns {Promise<Me>} */
    me: () => call("/api/users/me"),
    /** @param {File} file @returns {Promise<Me>} */
    uploadAvatar(file) {
      const body = new FormData();
      body.append("file", file); // the browser sets the multipart boundary
      return call("/api/users/me/avatar", { method: "POST", body });
    },
    /** A file (the data export): the Response itself. @param {string} path @returns {Promise<Response>} */
    download: (path) => (store.client ? store.client.api(path, { raw: true }) : Promise.reject(new Error("signed out"))),
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */

/** POST /api/auth/register: the token pair (and user) to hand to the SDK. @param {{ phone: string, password: string, display_name: string, username?: string }} body */
export async function register(body) {
  const res = await fetch("/api/auth/register", { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? res.statusText);
  return /** @type {{ access_token: string, refresh_token: string, expires_in?: number }} */ (json);
}

/** PUT (mute) and DELETE (unmute) path of the caller's mute of a conversation, per kind. */
export const mutePaths = {
  /** @param {string} id */
  couple: (id) => `/api/chats/${encodeURIComponent(id)}/mute`,
  /** @param {string} id */
  group: (id) => `/api/messages/${encodeURIComponent(id)}/mute`,
  /** @param {string} id */
  dm: (id) => `/api/dm/${encodeURIComponent(id)}/mute`,
};
