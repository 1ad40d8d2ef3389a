// @ts-check
// The REST client: JSON in and out, the bearer token on every call, and one transparent
// refresh-and-retry when the server answers 401. Errors keep the server's vocabulary
// (`{error: {code, message, details}}`), so callers can branch on `code`.

/** @typedef {import("./session.js").SessionManager} SessionManager */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").Me} Me */

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {unknown} [details] */
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * @param {Response} res
 * @returns {Promise<any>}
 */
async function parse(res) {
  const text = await res.text();
  const body = parseJson(text);
  if (res.ok) return body;
  const err = body?.error ?? {};
  throw new ApiError(res.status, err.code ?? `http_${res.status}`, err.message ?? res.statusText, err.details);
}

/** @param {string} text @returns {any} */
function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { error: { code: "bad_response", message: text.slice(0, 200) } };
  }
}

/** @param {SessionManager} session */
export function createApi(session) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {{ json?: unknown, form?: FormData, auth?: boolean, raw?: boolean }} [opts] `raw`: a successful answer is returned as the Response (a file), not parsed
   * @returns {Promise<any>}
   */
  async function call(method, path, opts = {}) {
    const auth = opts.auth ?? true;
    /** @param {string | null} token */
    const send = (token) => {
      /** @type {Record<string, string>} */
      const headers = { accept: opts.raw ? "*/*" : "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      /** @type {BodyInit | undefined} */
      let body;
      if (opts.form) body = opts.form; // the browser sets the multipart boundary
      else if (opts.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(opts.json);
      }
      return fetch(path, { method, headers, body });
    };
    if (!auth) return parse(await send(null));
    let res = await send(await session.freshAccessToken());
    if (res.status === 401) {
      // Expired early, revoked, or the clock is off: rotate once and retry once.
      res = await send((await session.refresh()).access_token);
    }
    if (opts.raw && res.ok) return res;
    return parse(res);
  }

  return {
    call,
    /** @param {string} path */
    get: (path) => call("GET", path),
    /** @param {string} path @param {unknown} [json] */
    post: (path, json) => call("POST", path, { json: json ?? {} }),
    /** @param {string} path @param {unknown} json */
    put: (path, json) => call("PUT", path, { json }),
    /** @param {string} path */
    del: (path) => call("DELETE", path),

    /** @param {string} phone @param {string} password */
    login: (phone, password) => call("POST", "/api/auth/login", { json: { username: phone, password }, auth: false }),
    /** @param {{ phone: string, password: string, display_name: string, username?: string }} body */
    register: (body) => call("POST", "/api/auth/register", { json: body, auth: false }),
    logout: () => call("POST", "/api/auth/logout"),
    /** @returns {Promise<Me>} */
    me: () => call("GET", "/api/users/me"),
    /** @param {File} file @returns {Promise<Me>} */
    uploadAvatar(file) {
      const form = new FormData();
      form.append("file", file);
      return call("POST", "/api/users/me/avatar", { form });
    },
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */

/** REST paths of a conversation's message history, per kind (see src/http/*.router.ts). */
export const historyPaths = {
  /** @param {string} id */
  couple: (id) => ({ latest: `/api/chats/${encodeURIComponent(id)}/messages/latest`, history: `/api/chats/${encodeURIComponent(id)}/messages` }),
  /** @param {string} id */
  group: (id) => ({ latest: `/api/messages/${encodeURIComponent(id)}/latest`, history: `/api/messages/${encodeURIComponent(id)}/history` }),
  /** @param {string} id */
  dm: (id) => ({ latest: `/api/dm/${encodeURIComponent(id)}/latest`, history: `/api/dm/${encodeURIComponent(id)}/history` }),
};

/** PUT (mute) and DELETE (unmute) path of the caller's mute of a conversation, per kind. */
export const mutePaths = {
  /** @param {string} id */
  couple: (id) => `/api/chats/${encodeURIComponent(id)}/mute`,
  /** @param {string} id */
  group: (id) => `/api/messages/${encodeURIComponent(id)}/mute`,
  /** @param {string} id */
  dm: (id) => `/api/dm/${encodeURIComponent(id)}/mute`,
};
