// The session list a user sees (GET /api/auth/sessions) and the id a session is ended by.
import { SentTimestamp, z } from "../shared/zod.ts";

export const SessionSchema = z
  .strictObject({
    id: z.string().openapi({ description: "The session's id (DELETE /api/auth/sessions/{id} ends it)" }),
    device: z.string().nullable().openapi({ description: "A short label made from the User-Agent at login or the latest refresh, such as \"Chrome on Linux\"; null when none was sent" }),
    ip: z.string().nullable().openapi({ description: "The client's address at login or the latest refresh" }),
    created_at: SentTimestamp.openapi({ description: "When this login happened" }),
    last_used_at: SentTimestamp.openapi({ description: "Its latest login, refresh or request (requests are recorded at most every 5 minutes)" }),
    expires_at: SentTimestamp.openapi({ description: "When it ends unless refreshed" }),
    current: z.boolean().openapi({ description: "Whether this is the session of the access token making the request" }),
  })
  .openapi("Session");
export type SessionDto = z.infer<typeof SessionSchema>;

export const SessionList = z.strictObject({ sessions: z.array(SessionSchema) }).openapi("SessionList");

// Ids are UUIDs today; any short token-safe string is taken, and an unknown one is a 404.
export const SessionIdParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a session id") });

export const SessionsEnded = z
  .strictObject({ sessions_ended: z.number().int().min(0).openapi({ description: "How many sessions this request ended" }) })
  .openapi("SessionsEnded");
