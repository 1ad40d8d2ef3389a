// A stand-in for Cloudinary's upload API on 127.0.0.1, answering the way the real one does
// (POST /v1_1/<cloud>/<resource_type>/upload → the asset JSON with eager renditions). The app
// reaches it through the real SDK with CLOUDINARY_UPLOAD_PREFIX pointing here.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import sharp from "sharp";

export interface CapturedRequest {
  path: string;
  fields: Record<string, string>;
  file?: { name: string; bytes: Buffer };
}

export type Responder = (req: CapturedRequest, defaultBody: Record<string, unknown>) => { status: number; body: unknown };

async function readForm(req: IncomingMessage): Promise<CapturedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // undici's multipart parser (the one behind fetch's Response.formData) reads the SDK's body.
  const form = await new Response(Buffer.concat(chunks), { headers: { "content-type": String(req.headers["content-type"]) } }).formData();
  const captured: CapturedRequest = { path: req.url ?? "", fields: {} };
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") captured.fields[key] = value;
    else captured.file = { name: value.name, bytes: Buffer.from(await value.arrayBuffer()) };
  }
  return captured;
}

async function uploadResponse(cloud: string, resourceType: string, c: CapturedRequest) {
  const version = 1_700_000_000 + Math.floor(Math.random() * 1000);
  const publicId = c.fields.public_id ?? randomBytes(10).toString("hex");
  const bytes = c.file?.bytes ?? Buffer.alloc(0);
  let format: string | undefined;
  let dims: { width?: number; height?: number; duration?: number } = {};
  if (resourceType === "image") {
    const meta = await sharp(bytes).metadata();
    format = meta.format === "jpeg" ? "jpg" : meta.format;
    dims = { width: meta.width, height: meta.height };
  } else if (resourceType === "video") {
    format = "mp4";
    dims = { width: 640, height: 360, duration: 1.5 };
  }
  const base = `res.cloudinary.com/${cloud}/${resourceType}/upload`;
  const file = `${publicId}${format ? `.${format}` : ""}`;
  const eager = c.fields.eager
    ? c.fields.eager.split("|").map((t) => {
        const slash = t.lastIndexOf("/");
        const [transformation, fmt] = slash > 0 ? [t.slice(0, slash), t.slice(slash + 1)] : [t, format];
        const path = `${base}/${transformation}/v${version}/${publicId}.${fmt}`;
        return { transformation: t, width: 320, height: 240, bytes: 1234, format: fmt, url: `http://${path}`, secure_url: `https://${path}` };
      })
    : undefined;
  return {
    asset_id: randomBytes(16).toString("hex"),
    public_id: publicId,
    version,
    version_id: randomBytes(16).toString("hex"),
    signature: randomBytes(20).toString("hex"),
    ...dims,
    ...(format ? { format } : {}),
    resource_type: resourceType,
    created_at: new Date().toISOString(),
    tags: [],
    bytes: bytes.length,
    type: "upload",
    etag: randomBytes(16).toString("hex"),
    placeholder: false,
    url: `http://${base}/v${version}/${file}`,
    secure_url: `https://${base}/v${version}/${file}`,
    asset_folder: "",
    original_filename: "upload",
    api_key: c.fields.api_key,
    ...(eager ? { eager } : {}),
  };
}

export async function startFakeCloudinary() {
  const requests: CapturedRequest[] = [];
  let responder: Responder | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      const captured = await readForm(req);
      requests.push(captured);
      const m = /^\/v1_1\/([^/]+)\/(image|video|raw)\/(upload|destroy)$/.exec(captured.path);
      let status = 404;
      let body: unknown = { error: { message: "Not found" } };
      if (m?.[3] === "upload") {
        status = 200;
        body = await uploadResponse(m[1]!, m[2]!, captured);
      } else if (m?.[3] === "destroy") {
        status = 200;
        body = { result: "ok" };
      }
      if (responder) ({ status, body } = responder(captured, body as Record<string, unknown>));
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    })().catch((err) => res.writeHead(500).end(JSON.stringify({ error: { message: String(err) } })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Overrides the next answers (e.g. an error); undefined restores the normal ones. */
    respondWith(r: Responder | undefined) {
      responder = r;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
