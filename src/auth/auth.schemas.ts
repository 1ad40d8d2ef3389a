import { chars, z } from "../shared/zod.ts";
import { BCRYPT_MAX_BYTES } from "./password-hasher.ts";
import { DisplayName, Email, Phone, UserSelf, Username } from "../users/user.schemas.ts";

export const Password = chars(8)
  .refine((p) => Buffer.byteLength(p, "utf8") <= BCRYPT_MAX_BYTES, {
    message: `must be at most ${BCRYPT_MAX_BYTES} bytes (UTF-8); longer passwords would be silently truncated by bcrypt`,
  });

export const RegisterBody = z
  .strictObject({
    phone: Phone,
    password: Password,
    display_name: DisplayName,
    username: Username.optional(),
    email: Email.optional(),
  })
  .openapi("Register");
export type RegisterBody = z.infer<typeof RegisterBody>;

// OAuth2 password form (as in the seed): `username` carries the phone number.
// Extra OAuth2 form fields (grant_type, scope, client_id) are accepted and ignored.
export const LoginBody = z
  .object({
    username: chars(1, 32).openapi({ description: "The phone number (OAuth2 password grant)" }),
    password: chars(1).refine((p) => Buffer.byteLength(p, "utf8") <= BCRYPT_MAX_BYTES, {
      message: `must be at most ${BCRYPT_MAX_BYTES} bytes`,
    }),
    grant_type: z.string().optional(),
    scope: z.string().optional(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
  })
  .strict()
  .openapi("Login");
export type LoginBody = z.infer<typeof LoginBody>;

export const TokenResponse = z
  .strictObject({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int(),
    user: UserSelf,
  })
  .openapi("Token");

/** The socket `auth` event: a fresh access token for the socket's own session. */
export const SocketAuthEvent = z.strictObject({ token: z.string().min(1).max(4096) });

/** POST /api/auth/password: the current password (checked, throttled like a login) and the new one (the registration rules). */
export const ChangePasswordBody = z
  .strictObject({
    current_password: chars(1).refine((p) => Buffer.byteLength(p, "utf8") <= BCRYPT_MAX_BYTES, { message: `must be at most ${BCRYPT_MAX_BYTES} bytes` }),
    new_password: Password,
  })
  .openapi("ChangePassword");
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const PasswordChanged = z
  .strictObject({ sessions_ended: z.number().int().min(0).openapi({ description: "How many other sessions (logins on other devices) were ended" }) })
  .openapi("PasswordChanged");
