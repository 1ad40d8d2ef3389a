// @ts-check
// Server error codes a user meets, as plain sentences (issue 15: blocks, closed chats, group
// mutes). Anything else shows the server's own message.

/** @type {Record<string, string>} */
const SENTENCES = {
  blocked: "You can't message this person: one of you has blocked the other.",
  chat_closed: "This chat is closed: you broke up, so it is read-only now.",
  muted_in_group: "A group admin muted you here: you can read but not post for now.",
  wrong_password: "That is not your current password.",
  banned_from_group: "You are banned from this group.",
};

/** A user-facing sentence for a server error code (or the server's message). @param {string | undefined} code @param {string} [message] */
export function sentence(code, message) {
  return (code && SENTENCES[code]) || message || "Something went wrong.";
}

/** A REST error (the SDK's ChatError, or a download's) or anything thrown, as a sentence. @param {unknown} err */
export function errorSentence(err) {
  const e = /** @type {{ code?: unknown, status?: number, details?: { reason?: string } } | null} */ (err);
  if (err instanceof Error && typeof e?.code === "string") {
    const reason = e.details?.reason;
    if (reason === "login_required") return "For your safety, log out and in again first (the export needs a login of the last 15 minutes).";
    if (e.status === 429) return "Too many attempts: wait a while and try again.";
    return sentence(e.code, err.message);
  }
  return err instanceof Error ? err.message : String(err);
}

