// Client → server events with their acks, over a socket whose typings resolve an ack only
// for a literal event name: the client emits generic ones, checked by ClientEvents at its
// own API (client.emit, the outbox).
import type { AckResponse } from "../../src/contract/events.ts";
import type { ChatSocket } from "./connection.ts";
import { ChatError } from "./errors.ts";

interface UntypedSocket {
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
}

/** Emits `event` and resolves with its ack; rejects with ChatError `timeout` (no ack in time, or the socket dropped). */
export async function emitWithAck<T = unknown>(socket: ChatSocket, event: string, payload: unknown, timeoutMs: number): Promise<T> {
  try {
    return (await (socket as unknown as UntypedSocket).timeout(timeoutMs).emitWithAck(event, payload)) as T;
  } catch (err) {
    throw new ChatError("timeout", `${event}: no ack within ${timeoutMs} ms`, { cause: err });
  }
}

/** An ack's result without `ok`; an error ack rejects with its code. */
export function ackResult(res: AckResponse<Record<string, unknown>>): Record<string, unknown> {
  if (!res || typeof res !== "object") return res;
  if (!res.ok) throw new ChatError(res.error.code, res.error.message);
  const { ok: _ok, ...result } = res;
  return result;
}

/**
 * A new access token for the live sockets (the server moves their deadline); the next
 * handshake reads it from `auth`. `revoked` runs when the server says the session is gone.
 */
export function pushToken(sockets: Iterable<ChatSocket>, token: string, timeoutMs: number, revoked: () => void): void {
  for (const s of sockets) {
    if (!s.connected) continue;
    emitWithAck<AckResponse>(s, "auth", { token }, timeoutMs).then(
      (r) => {
        if (!r.ok && r.error.code === "token_revoked") revoked();
      },
      () => {
        /* no ack: the socket dropped; its next handshake carries the token */
      },
    );
  }
}
