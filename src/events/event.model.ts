// The durable event stream. Each event is written once, addressed either to a
// conversation (all its members read it) or to a list of users, never once per
// recipient, so a message to a large group costs one write. `seq` is the position in
// the stream; `epoch` identifies the stream, and changes only if it is ever reset.
import { Schema, type Connection, type Model } from "mongoose";

export interface EventDoc {
  _id: number; // the stream seq
  type: string;
  ns: string;
  conversation_key: string | null;
  user_ids: string[];
  payload: Record<string, unknown>;
  /** Which batch wrote it: tells a writer which of its positions it actually got. */
  writer: string;
  created_at: Date;
}

export interface StreamDoc {
  _id: string;
  epoch: string;
  last_seq: number;
  /** Everything at or below this seq has been pruned; a `since` below it cannot be served. */
  pruned_through: number;
  created_at: Date;
}

const eventSchema = new Schema<EventDoc>(
  {
    _id: { type: Number, required: true },
    type: { type: String, required: true },
    ns: { type: String, required: true },
    conversation_key: { type: String, default: null },
    user_ids: { type: [String], default: [] },
    payload: { type: Schema.Types.Mixed, required: true },
    writer: { type: String, default: "" },
    created_at: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
eventSchema.index({ conversation_key: 1, _id: 1 });
eventSchema.index({ user_ids: 1, _id: 1 });
eventSchema.index({ created_at: 1 });

const streamSchema = new Schema<StreamDoc>(
  {
    _id: { type: String, required: true },
    epoch: { type: String, required: true },
    last_seq: { type: Number, default: 0 },
    pruned_through: { type: Number, default: 0 },
    created_at: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);

export function defineEventModels(conn: Connection) {
  return {
    Event: conn.model<EventDoc>("Event", eventSchema, "events") as Model<EventDoc>,
    Stream: conn.model<StreamDoc>("Stream", streamSchema, "event_streams") as Model<StreamDoc>,
  };
}
