// The devices a user takes pushes on. Each subscription belongs to the session that
// registered it: logging out (or any revocation) removes it, so a device handed to someone
// else stops getting the previous owner's notifications.

export type PushType = "webpush" | "fcm";

export interface PushSubscriptionRecord {
  id: string;
  user_id: string;
  session_id: string;
  type: PushType;
  /** Web Push: the push service endpoint URL; FCM: the registration token. */
  address: string;
  /** Web Push only: the browser's keys for the payload encryption (RFC 8291). */
  keys: { p256dh: string; auth: string } | null;
  /** FCM only: "android" | "ios" | "web", as the app said. */
  platform: string | null;
  created_at: Date;
}

export interface PushSubscriptionRepository {
  /**
   * Stores the subscription; one with the same type and address (the same device registering
   * again, maybe under another session or user) is replaced, keeping its id. Returns what is stored.
   */
  upsert(s: PushSubscriptionRecord): Promise<PushSubscriptionRecord>;
  byId(id: string): Promise<PushSubscriptionRecord | null>;
  ofUser(userId: string): Promise<PushSubscriptionRecord[]>;
  /** The subscriptions of these users, for one fan-out. */
  ofUsers(userIds: readonly string[]): Promise<PushSubscriptionRecord[]>;
  /** False when there was none. */
  remove(id: string): Promise<boolean>;
  /** When a session ends. Returns how many were removed. */
  removeOfSession(sessionId: string): Promise<number>;
}
