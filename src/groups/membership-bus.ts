// Carries "group membership changed" to the other nodes so they drop their cached copy
// (src/infra/cluster-bus.ts). The sender waits, bounded, for every other node to confirm
// it has forgotten: after a membership change returns, a node that confirmed no longer
// serves the old state.
import { socketIoClusterBus } from "../infra/cluster-bus.ts";

export interface MembershipChange {
  groupId: string;
  userIds: string[];
}

export interface MembershipBus {
  /** Resolves once every other node confirmed, or after the wait bound. Never rejects for a missing confirmation. */
  publish(change: MembershipChange): Promise<void>;
  subscribe(onChange: (change: MembershipChange) => void): void;
}

const EVENT = "group_membership_changed";
export const CONFIRM_WAIT_MS = 1_000;

function isChange(v: unknown): v is MembershipChange {
  const c = v as MembershipChange | null;
  return typeof c?.groupId === "string" && Array.isArray(c.userIds) && c.userIds.every((u) => typeof u === "string");
}

/** `namespace`: the app's /groups namespace (`io.of("/groups")`); undefined on one node. */
export function socketIoMembershipBus(namespace: { adapter: object }, waitMs = CONFIRM_WAIT_MS): MembershipBus | undefined {
  const bus = socketIoClusterBus(namespace);
  if (!bus) return undefined;
  return {
    publish: (change) => bus.publish(EVENT, change, waitMs),
    subscribe(onChange) {
      bus.subscribe(EVENT, (change) => {
        if (isChange(change)) onChange(change);
      });
    },
  };
}
