// defineRoute's sibling for multipart uploads, which cannot go through JSON body parsing.
// Same order: authenticate (before a single body byte is read) → receive the file to disk
// under hard limits → validate the text fields with zod → handler. Each request gets its own
// scratch directory, deleted in `finally`: whatever happens (limit hit, bad type, client gone
// mid-upload, handler error), no temporary file outlives the request.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Request, Response } from "express";
import multer from "multer";
import { AppError } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import { z } from "../shared/zod.ts";
import type { ReceivedFile } from "../media/upload.service.ts";
import type { ErrorStatus } from "./error-responses.ts";
import { authenticate, bearerToken, docPath, errorStatuses, type Caller, type RouteKit } from "./route.ts";

/** The multipart field carrying the file. */
export const FILE_FIELD = "file";

// One file and a handful of short text fields is all an upload needs; anything beyond is refused
// while streaming, so a request cannot make us hold many parts or long values in memory.
export const MULTIPART_LIMITS = { files: 1, fields: 4, parts: 5, fieldSize: 1024, fieldNameSize: 64, headerPairs: 20 } as const;

export interface MultipartSpec<F extends z.ZodObject> {
  path: string;
  summary: string;
  tag: string;
  /** The text fields, validated like a JSON body (strict: unknown fields are refused). */
  fields: F;
  /** Streaming cap for the file; the handler applies finer limits once it knows the type. */
  maxFileBytes: number;
  /** Where per-request scratch directories are made (same filesystem as storage: cheap moves). */
  scratchRoot: string;
  response: z.ZodType;
  status?: number;
  /** Error statuses beyond the derived ones (400, 401, 413, 415, 503), with why. */
  errors?: Partial<Record<ErrorStatus, string>>;
  /** Runs after authentication and before a byte of the file is received (a per-user rate). */
  admit?: (caller: Caller) => Promise<void>;
}

export interface MultipartContext<F> {
  caller: Caller;
  fields: F;
  file: ReceivedFile;
  req: Request;
  res: Response;
}

const LIMIT_MESSAGES: Record<string, (e: multer.MulterError, max: number) => AppError> = {
  LIMIT_FILE_SIZE: (_e, max) => new AppError("payload_too_large", `${FILE_FIELD}: larger than the ${max} byte upload limit`),
  LIMIT_FILE_COUNT: () => invalid(FILE_FIELD, "only one file may be sent"),
  LIMIT_UNEXPECTED_FILE: (e) => invalid(e.field ?? "body", `unexpected file; send it in the '${FILE_FIELD}' field`),
  LIMIT_PART_COUNT: () => invalid("body", `too many parts (at most ${MULTIPART_LIMITS.parts})`),
  LIMIT_FIELD_COUNT: () => invalid("body", `too many fields (at most ${MULTIPART_LIMITS.fields})`),
  LIMIT_FIELD_KEY: () => invalid("body", `a field name is longer than ${MULTIPART_LIMITS.fieldNameSize} characters`),
  LIMIT_FIELD_VALUE: (e) => invalid(e.field ?? "body", `is longer than ${MULTIPART_LIMITS.fieldSize} bytes`),
};

function invalid(field: string, message: string) {
  return new AppError("validation_error", `${field}: ${message}`, { fields: [{ field, message }] });
}

/** Maps multer/busboy failures to our vocabulary; disk errors (ENOSPC…) stay 500s. */
function translate(err: unknown, maxFileBytes: number): unknown {
  if (err instanceof multer.MulterError) return (LIMIT_MESSAGES[err.code] ?? ((e) => invalid("body", e.message)))(err, maxFileBytes);
  if (typeof (err as NodeJS.ErrnoException)?.code === "string" && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!)) return err;
  // busboy's "Unexpected end of form", "Malformed part header", a client that went away…
  return invalid("body", `is not a complete multipart/form-data body (${(err as Error)?.message ?? "unreadable"})`);
}

function receive(req: Request, res: Response, dir: string, maxFileBytes: number): Promise<void> {
  const upload = multer({
    storage: multer.diskStorage({ destination: dir, filename: (_req, _file, cb) => cb(null, "upload") }),
    limits: { ...MULTIPART_LIMITS, fileSize: maxFileBytes },
  }).single(FILE_FIELD);
  return new Promise((resolve, reject) => upload(req, res, (err?: unknown) => (err ? reject(translate(err, maxFileBytes)) : resolve())));
}

export function defineMultipartRoute<F extends z.ZodObject>(
  kit: RouteKit,
  spec: MultipartSpec<F>,
  handler: (ctx: MultipartContext<z.output<F>>) => Promise<unknown>,
): void {
  const status = spec.status ?? 200;
  kit.router.post(spec.path, async (req: Request, res: Response) => {
    const caller: Caller = await authenticate(kit, bearerToken(req));
    await spec.admit?.(caller);

    const scratchDir = await mkdtemp(join(spec.scratchRoot, "req-"));
    try {
      await receive(req, res, scratchDir, spec.maxFileBytes);
      const fields = parse(spec.fields, { ...req.body }, "body");
      if (!req.file) throw invalid(FILE_FIELD, `is required (multipart/form-data with the file in the '${FILE_FIELD}' field)`);
      const file: ReceivedFile = { path: req.file.path, bytes: req.file.size, scratchDir };
      // Tracked in flight like every operation, so a shutdown waits for the stored file's record.
      const result = await kit.perform({}, caller, undefined, () => handler({ caller, fields, file, req, res }));
      if (!res.headersSent) res.status(status).json(result);
    } finally {
      await rm(scratchDir, { recursive: true, force: true });
    }
  });
  registerDoc(kit, spec, status);
}

function registerDoc(kit: RouteKit, spec: MultipartSpec<z.ZodObject>, status: number) {
  const form = spec.fields.extend({ [FILE_FIELD]: z.string().openapi({ type: "string", format: "binary", minLength: 1, description: "The file (an empty one is a 400)" }) });
  kit.registry.registerPath({
    method: "post",
    path: docPath(kit.prefix, spec.path),
    summary: spec.summary,
    tags: [spec.tag],
    security: [{ bearerAuth: [] }],
    request: { body: { required: true, content: { "multipart/form-data": { schema: form } } } },
    responses: {
      [status]: { description: "Success", content: { "application/json": { schema: spec.response } } },
      ...errorStatuses({
        auth: true,
        body: form,
        errors: {
          400: "No file, an empty file, a bad field, or too many parts",
          413: "The file is larger than the limit for its type, or an image has too many pixels",
          415: "The file's sniffed type is not allowed here, or it does not decode",
          ...spec.errors,
        },
      }),
    },
  });
}
