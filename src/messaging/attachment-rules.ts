// A message may only carry media its sender uploaded to this server and stickers that
// exist: no arbitrary hotlinks (and no one else's uploads) end up in anyone's history.
import { AppError } from "../shared/errors.ts";
import type { SendMessageBody } from "./message.schemas.ts";

export function createAttachmentValidator(d: {
  isMediaOf: (url: string, userId: string) => Promise<boolean>;
  assertSticker: (s: { pack_id: string; sticker_id: string; url: string }) => Promise<void>;
}) {
  return async (input: Pick<SendMessageBody, "media" | "sticker">, senderId: string) => {
    if (input.media) {
      for (const field of ["original", "preview", "thumbnail"] as const) {
        const url = input.media[field];
        if (url && !(await d.isMediaOf(url, senderId))) {
          throw new AppError("validation_error", `media.${field}: must be a URL returned to you by POST /api/uploads on this server`);
        }
      }
    }
    if (input.sticker) await d.assertSticker(input.sticker);
  };
}
