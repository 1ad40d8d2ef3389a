import { BCRYPT_MAX_BYTES } from "../auth/password-hasher.ts";
import { chars, z } from "../shared/zod.ts";

export const DeleteAccountBody = z
  .strictObject({
    password: chars(1)
      .refine((p) => Buffer.byteLength(p, "utf8") <= BCRYPT_MAX_BYTES, { message: `must be at most ${BCRYPT_MAX_BYTES} bytes` })
      .openapi({ description: "The account's password, confirmed again" }),
  })
  .openapi("DeleteAccount");
export type DeleteAccountBody = z.infer<typeof DeleteAccountBody>;

export const AccountDeleting = z
  .strictObject({
    status: z.literal("deleting").openapi({
      description: "Every session has ended and the phone number and username are free; the rest (messages, files, groups) finishes in the background, and after a restart if the server stops meanwhile",
    }),
  })
  .openapi("AccountDeleting");
