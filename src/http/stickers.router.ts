import { Router } from "express";
import { z } from "../shared/zod.ts";
import { DEFAULT_PACKS } from "../stickers/default-packs.ts";
import type { StickerService } from "../stickers/sticker.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

const StickerPacks = z
  .strictObject({
    packs: z.array(
      z.strictObject({ id: z.string(), name: z.string(), stickers: z.array(z.strictObject({ id: z.string(), emoji: z.string(), label: z.string(), url: z.string() })) }).openapi("StickerPack"),
    ),
  })
  .openapi("StickerPacks");

export function stickersRouter(kit: Omit<RouteKit, "router">, stickers: StickerService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(r, { method: "get", path: "/packs", summary: "The sticker packs", tag: "stickers", auth: true, response: StickerPacks }, async () => ({
    packs: await stickers.list(),
  }));
  return r.router;
}

/** Serves the default stickers as SVG images: an emoji centred on a transparent square. */
export function stickerImages(): Router {
  const r = Router();
  const byPath = new Map(DEFAULT_PACKS.flatMap((p) => p.stickers.map((s) => [`${p.id}/${s.id}`, s.emoji] as const)));
  r.get("/stickers/:pack/:file", (req, res, next) => {
    const emoji = byPath.get(`${req.params.pack}/${req.params.file.replace(/\.svg$/, "")}`);
    if (!emoji) return next();
    res.setHeader("Content-Type", "image/svg+xml");
    res.setHeader("Cache-Control", "public, max-age=604800, immutable");
    res.send(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128"><text x="64" y="96" font-size="88" text-anchor="middle">${emoji}</text></svg>`);
  });
  return r;
}
