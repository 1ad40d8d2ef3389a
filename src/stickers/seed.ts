// `npm run seed`: loads the default sticker packs into the configured database.
// (The server also does this on start unless SEED_STICKERS=false.)
import { parseConfig } from "../config.ts";
import { openStorage } from "../storage/open.ts";
import { createStickerService } from "./sticker.service.ts";

const storage = await openStorage(parseConfig());
await createStickerService({ stickers: storage.stickers }).seedDefaults();
console.log("sticker packs seeded");
await storage.close();
