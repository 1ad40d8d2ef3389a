// Maps user records to what the API shows: the owner sees everything, others the public card.
import type { UserRecord } from "./user.repository.ts";

export function toUserPublic(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    display_name: u.display_name,
    avatar_url: u.avatar_url ?? null,
    mood: u.mood ?? null,
    bubble_color: u.bubble_color ?? null,
  };
}
export type UserPublicDto = ReturnType<typeof toUserPublic>;

export function toUserSelf(u: UserRecord) {
  return {
    ...toUserPublic(u),
    phone: u.phone,
    email: u.email ?? null,
    partner_id: u.partner_id,
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  };
}
export type UserSelfDto = ReturnType<typeof toUserSelf>;
