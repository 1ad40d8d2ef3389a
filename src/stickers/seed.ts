// `npm run seed`: loads the default sticker packs into the configured database.
// (The server also does this on start unless SEED_STICKERS=false.)
import { parseConfig } from "../config.ts";
import { startEmbeddedDb } from "../infra/embedded-db/embedded-db.ts";
import { connectMongo } from "../infra/mongo.ts";
import { defineStickerPackModel } from "./sticker.model.ts";
import { createStickerService } from "./sticker.service.ts";
import { join } from "node:path";

const config = parseConfig();
const embedded = config.db.uri ? undefined : await startEmbeddedDb({ dataDir: join(config.dataDir, "db"), port: config.db.embeddedPort });
const conn = await connectMongo(config.db.uri ?? `${embedded!.uri}chat`);
await createStickerService({ StickerPack: defineStickerPackModel(conn) }).seedDefaults();
console.log("sticker packs seeded");
await conn.close();
await embedded?.stop();
