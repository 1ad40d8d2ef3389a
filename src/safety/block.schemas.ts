// Request and response shapes of blocking (REST validation and the OpenAPI document), and
// the caller's own user as GET /api/users/me returns it: with whom they blocked.
import { SentTimestamp, z } from "../shared/zod.ts";
import { ObjectIdString, UserPublic, UserSelf } from "../users/user.schemas.ts";

export const BlockBody = z.strictObject({ user_id: ObjectIdString }).openapi("BlockCreate");
export const BlockedUserParams = z.object({ userId: ObjectIdString });

export const BlockSchema = z
  .strictObject({
    user: UserPublic.openapi({ description: "The blocked user's card (mood left out: nothing live crosses a block)" }),
    created_at: SentTimestamp.openapi({ description: "When the caller blocked them (the first time, for a repeated block)" }),
  })
  .openapi("Block");

export const BlockList = z.strictObject({ blocks: z.array(BlockSchema) }).openapi("BlockList", { description: "The users the caller blocked, newest first" });

// A flat object, not UserSelf.extend(): the document would render that as allOf of two closed
// objects, which no body satisfies.
export const UserMe = z
  .strictObject({
    ...UserSelf.shape,
    blocked_user_ids: z.array(z.string()).openapi({ description: "The users the caller blocked, newest first: hide their messages in the groups you share" }),
    is_operator: z.boolean().openapi({ description: "Whether the caller is an operator (ADMIN_USER_IDS): they list and resolve every report under /api/admin" }),
  })
  .openapi("UserMe", { description: "The caller's own user, with whom they blocked and whether they are an operator" });
