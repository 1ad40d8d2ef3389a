export type PartnerRequestStatus = "pending" | "accepted" | "rejected" | "cancelled";

export interface PartnerRequestRecord {
  id: string;
  sender_id: string;
  recipient_id: string;
  status: PartnerRequestStatus;
  created_at: Date;
  responded_at: Date | null;
}

export interface PartnerRequestRepository {
  create(r: { id: string; sender_id: string; recipient_id: string; created_at: Date }): Promise<PartnerRequestRecord>;
  byId(id: string): Promise<PartnerRequestRecord | null>;
  /** A pending request between the two, in either direction. */
  pendingBetween(a: string, b: string): Promise<PartnerRequestRecord | null>;
  /** Pending requests the user sent or received, newest first. */
  pendingOf(userId: string): Promise<PartnerRequestRecord[]>;
  /** Moves it from `from` to `to` only if it is still `from`; true when it moved. */
  transition(id: string, from: PartnerRequestStatus, to: PartnerRequestStatus, at: Date): Promise<boolean>;
  /** Cancels every pending request sent or received by any of these users. */
  cancelPendingOf(userIds: readonly string[], at: Date): Promise<number>;
}
