// Server side only (not part of the client SDK's declarations): the client payload types of
// ./events.ts are written out by hand so that the contract has no imports; here the
// compiler checks each one against the zod schema that validates it, both ways, so a
// schema change that is not reflected in the contract (or the reverse) fails `tsc`.
import type { z } from "zod";
import type { SocketAuthEvent } from "../auth/auth.schemas.ts";
import type { ChangeModeEvent, ThinkingOfYouEvent } from "../couples/couple.schemas.ts";
import type { ChatIdEvent, DeleteMessageEvent, EditMessageEvent, MarkReadEvent, SendMessageEvent, ToggleReactionEvent } from "../messaging/message.schemas.ts";
import type {
  ChangeModeInput,
  ChatIdInput,
  DeleteMessageInput,
  EditMessageInput,
  MarkReadInput,
  SendMessageInput,
  SocketAuthInput,
  ThinkingOfYouInput,
  ToggleReactionInput,
} from "./events.ts";

/** true when each is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Same values, and the same field names (an optional field on one side only would pass `Same`). */
type Matches<S extends z.ZodType, T> = Same<z.input<S>, T> extends true ? Same<keyof z.input<S>, keyof T> : false;

export const inputsMatchSchemas: {
  send_message: Matches<typeof SendMessageEvent, SendMessageInput>;
  edit_message: Matches<typeof EditMessageEvent, EditMessageInput>;
  delete_message: Matches<typeof DeleteMessageEvent, DeleteMessageInput>;
  toggle_reaction: Matches<typeof ToggleReactionEvent, ToggleReactionInput>;
  chat_id: Matches<typeof ChatIdEvent, ChatIdInput>;
  mark_read: Matches<typeof MarkReadEvent, MarkReadInput>;
  thinking_of_you: Matches<typeof ThinkingOfYouEvent, ThinkingOfYouInput>;
  change_mode: Matches<typeof ChangeModeEvent, ChangeModeInput>;
  auth: Matches<typeof SocketAuthEvent, SocketAuthInput>;
} = { send_message: true, edit_message: true, delete_message: true, toggle_reaction: true, chat_id: true, mark_read: true, thinking_of_you: true, change_mode: true, auth: true };
