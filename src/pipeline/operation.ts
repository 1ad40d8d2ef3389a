// The steps every client operation takes once its transport has authenticated the caller
// and validated the input, the same for a Socket.IO event and a REST route:
//
//   resolve the conversation under its kind's policy → the actor → tracked in flight → service
//
// A handler declares the steps it needs (`{ access: "post", actor: true }`) and receives
// their results typed (`ref`, `actor`); it never resolves or tracks by hand. Being tracked
// is what lets a graceful shutdown (SIGTERM) wait for the operation before closing storage.
import type { Actor, ActorDirectory } from "../messaging/actor-directory.ts";
import type { Access, ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import type { InflightTracker } from "../shared/inflight.ts";

/** Who called: from the access token, checked by the transport. */
export interface Caller {
  userId: string;
  sessionId: string;
}

/** The steps an operation declares. `access`: the conversation it names, resolved for reading or posting. */
export interface Steps {
  access?: Access;
  actor?: boolean;
}

/** What the declared steps produced, typed by the declaration. */
export type StepResults<S extends Steps> = { caller: Caller } & (S["access"] extends Access ? { ref: ConversationRef } : unknown) &
  (S["actor"] extends true ? { actor: Actor } : unknown);

/** Where the conversation comes from: the transport's policy (namespace or route) and the id the client named. */
export interface ConversationTarget {
  policy: ConversationPolicy;
  chatId: string;
}

export type PerformOperation = <S extends Steps, T>(
  steps: S,
  caller: Caller,
  target: ConversationTarget | undefined,
  run: (ctx: StepResults<S>) => Promise<T>,
) => Promise<T>;

export function createOperationRunner(d: { inflight: InflightTracker; actors: ActorDirectory }): PerformOperation {
  return (steps, caller, target, run) =>
    d.inflight.run(async () => {
      const ctx: { caller: Caller; ref?: ConversationRef; actor?: Actor } = { caller };
      if (steps.access) {
        if (!target) throw new Error("operation declares a conversation but its transport names none");
        ctx.ref = await target.policy.resolve(target.chatId, caller.userId, steps.access);
      }
      if (steps.actor) ctx.actor = await d.actors.of(caller.userId);
      return run(ctx as StepResults<typeof steps>);
    });
}
