// DM ids and the thread list, for REST validation and the OpenAPI document. The id's shape
// is the one dm.policy.ts parses (`dm:<a>|<b>`, two lowercase usernames); that the two are
// different and sorted is checked there, and is said here in words.
import { z } from "../shared/zod.ts";
import { MessageSchema } from "../messaging/message.schemas.ts";
import { UserPublic } from "../users/user.schemas.ts";
import { UnreadTotal, unreadStateFields } from "../messaging/unread.schemas.ts";

export const DmId = z
  .string()
  .regex(/^dm:[a-z0-9_]{3,32}\|[a-z0-9_]{3,32}$/, "must look like dm:<username>|<username> (lowercase)")
  .openapi({
    description: "dm:<username>|<username>: the two participants' usernames, different and sorted (a DM with unsorted or equal names is a 400)",
    example: "dm:alice|bob",
  });

export const DmThreadList = z
  .strictObject({
    threads: z.array(
      z
        .strictObject({
          dm_id: z.string(),
          with: UserPublic.nullable().openapi({ description: "The other participant (null if that user is gone)" }),
          latest: MessageSchema.nullable(),
          last_seq: z.number().int().min(0),
          ...unreadStateFields,
          read_positions: z.record(z.string(), z.number().int().min(0)).openapi({ description: "user id → that participant's read seq" }),
        })
        .openapi("DmThread"),
    ),
    unread_total: UnreadTotal,
  })
  .openapi("DmThreadList", { description: "The caller's DM threads, most recent first" });
