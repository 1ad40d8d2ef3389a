// Serves locally stored media at /media. Names are random and never reused, so responses are
// cacheable forever. The Content-Type comes from the extension the server chose after sniffing,
// and nosniff stops a browser from second-guessing it. Media is embeddable from other origins
// (web clients on another host), which is why the resource policy is relaxed here only.
import express, { type RequestHandler } from "express";
import { extname } from "node:path";
import { CONTENT_TYPE_BY_EXT } from "../media/media-sniffer.ts";

export function serveMediaFiles(filesDir: string): RequestHandler {
  return express.static(filesDir, {
    index: false,
    redirect: false,
    dotfiles: "ignore",
    fallthrough: true, // unknown names fall through to the JSON 404
    immutable: true,
    maxAge: "365d",
    setHeaders(res, path) {
      res.setHeader("Content-Type", CONTENT_TYPE_BY_EXT[extname(path).slice(1)] ?? "application/octet-stream");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    },
  });
}
