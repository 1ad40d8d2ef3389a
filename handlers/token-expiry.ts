// A socket does not outlive its access token: at the token's expiry the server tells it
// (`session_ended {reason: "token_expired"}`) and disconnects it, unless it presented a
// fresh token of the same session first (the `auth` event moves the deadline).
import type { ChatSocket } from "./socket-auth.ts";

const timers = new WeakMap<ChatSocket, NodeJS.Timeout>();
// setTimeout's longest delay; a later deadline is re-armed when this one fires.
const MAX_DELAY_MS = 2 ** 31 - 1;

function expire(socket: ChatSocket) {
  const left = socket.data.tokenExpiresAt - Date.now();
  if (left > 0) return arm(socket);
  timers.delete(socket);
  socket.emit("session_ended", { reason: "token_expired" });
  socket.disconnect(true);
}

function arm(socket: ChatSocket) {
  const delay = Math.min(Math.max(socket.data.tokenExpiresAt - Date.now(), 0), MAX_DELAY_MS);
  const timer = setTimeout(expire, delay, socket);
  timer.unref();
  timers.set(socket, timer);
}

/** (Re)starts the socket's deadline from socket.data.tokenExpiresAt. */
export function watchTokenExpiry(socket: ChatSocket) {
  clearTimeout(timers.get(socket));
  if (socket.disconnected) return;
  arm(socket);
}

export function unwatchTokenExpiry(socket: ChatSocket) {
  clearTimeout(timers.get(socket));
  timers.delete(socket);
}
