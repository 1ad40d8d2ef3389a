import { Schema, type Connection, type Model, type Types } from "mongoose";

export type PartnerRequestStatus = "pending" | "accepted" | "rejected" | "cancelled";

export interface PartnerRequestDoc {
  _id: Types.ObjectId;
  sender_id: string;
  recipient_id: string;
  status: PartnerRequestStatus;
  created_at: Date;
  responded_at: Date | null;
}

const schema = new Schema<PartnerRequestDoc>(
  {
    sender_id: { type: String, required: true, index: true },
    recipient_id: { type: String, required: true, index: true },
    status: { type: String, required: true, default: "pending" },
    created_at: { type: Date, default: () => new Date() },
    responded_at: { type: Date, default: null },
  },
  { versionKey: false },
);

export type PartnerRequestModel = Model<PartnerRequestDoc>;

export function definePartnerRequestModel(conn: Connection): PartnerRequestModel {
  return conn.model<PartnerRequestDoc>("PartnerRequest", schema, "partner_requests");
}
