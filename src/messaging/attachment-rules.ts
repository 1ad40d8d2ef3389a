// A message may only carry media this server stored and stickers that exist: no
// arbitrary hotlinks end up in anyone's history.
import { AppError } from "../shared/errors.ts";
import type { SendMessageBody } from "./message.schemas.ts";

export function createAttachmentValidator(d: {
  isOwnMediaUrl: (url: string) => boolean;
  assertSticker: (s: { pack_id: string; sticker_id: string; url: string }) => Promise<void>;
}) {
  return async (input: Pick<SendMessageBody, "media" | "sticker">) => {
    if (input.media) {
      for (const field of ["original", "preview", "thumbnail"] as const) {
        const url = input.media[field];
        if (url && !d.isOwnMediaUrl(url)) {
          throw new AppError("validation_error", `media.${field}: must be a URL returned by POST /api/uploads on this server`);
        }
      }
    }
    if (input.sticker) await d.assertSticker(input.sticker);
  };
}
