// The two kinds of work on the push queue. A trigger (push-triggers.ts) enqueues one small
// `fanout` job on the send path and returns; a worker turns it into one `deliver` job per
// device that should hear about it (push-fanout.ts), and each device's send is retried on
// its own (push-delivery.ts). Jobs are plain JSON: the Redis queue stores them as they are.
import { randomUUID } from "node:crypto";
import type { ConversationType } from "../contract/models.ts";
import type { PushPayload } from "./push-payload.ts";

/** The conversation an event happened in, as the fan-out needs it. */
export interface PushConversation {
  key: string;
  type: ConversationType;
  public_id: string;
}

/** Who acted; the display name is looked up at fan-out when the trigger did not have it. */
export interface PushPerson {
  id: string;
  display_name?: string;
}

/** What happened, as a trigger saw it. The preview is already cut (and left out where it must be). */
export type PushEvent =
  | { kind: "message"; conversation: PushConversation; sender: PushPerson; preview?: string; mentions: string[] }
  | { kind: "reaction"; conversation: PushConversation; sender: PushPerson; recipient_id: string; preview?: string }
  | { kind: "thinking_of_you"; conversation: PushConversation; sender: PushPerson; recipient_id: string }
  | { kind: "group_invite"; conversation: PushConversation; sender: PushPerson; recipient_id: string }
  | { kind: "partner_request"; sender: PushPerson; recipient_id: string };

interface JobBase {
  /** Unique per job (logs; the Redis delayed set needs distinct members). */
  id: string;
  /** 1 on the first try. */
  attempt: number;
  /** In-process queue only: not to run before this time (ms), when it was spilled to disk while waiting for a retry. */
  not_before?: number;
}

export interface FanoutJob extends JobBase {
  type: "fanout";
  event: PushEvent;
}

export interface DeliverJob extends JobBase {
  type: "deliver";
  subscription_id: string;
  /** The recipient the payload was made for: a device since taken over by another user is skipped. */
  user_id: string;
  payload: PushPayload;
  /** When the push was made (ms): its TTL runs from here, across retries. */
  created_at: number;
}

export type PushJob = FanoutJob | DeliverJob;

export const fanoutJob = (event: PushEvent): FanoutJob => ({ type: "fanout", id: randomUUID(), attempt: 1, event });

/** The job for the next attempt (a new id: the Redis delayed set holds each attempt once). */
export const nextAttempt = <J extends PushJob>(job: J): J => ({ ...job, id: randomUUID(), attempt: job.attempt + 1 });

/** Parses a stored job; null for anything that is not one (a corrupt or foreign entry). */
export function parseJob(text: string): PushJob | null {
  try {
    const v = JSON.parse(text) as Partial<PushJob> | null;
    if (!v || typeof v.id !== "string" || typeof v.attempt !== "number") return null;
    if (v.type === "fanout" && typeof v.event === "object" && v.event) return v as FanoutJob;
    if (v.type === "deliver" && typeof v.subscription_id === "string" && typeof v.payload === "object") return v as DeliverJob;
    return null;
  } catch {
    return null;
  }
}
