// zod with the OpenAPI extension applied once, so every schema can carry its docs, and the
// few string and query shapes whose rule the document must state exactly (test/http/
// schema-shapes.test.ts holds them to shared/text-rules.ts).
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { FREE_TEXT_MESSAGE, NAME_TEXT_MESSAGE } from "./text-rules.ts";

extendZodWithOpenApi(z);

export { z };

// Lengths are counted in characters (code points), as JSON Schema counts them, not in UTF-16
// units as String#length does: otherwise a name of emoji the document allows would be refused.
// The `u` flag makes a regex count code points; its source is what the document shows
// (zod-to-openapi would print the flags into the pattern, so the pattern is set explicitly).

/** What String#trim removes (ECMAScript WhiteSpace and LineTerminator), spelled out: `\s` differs between regex engines. */
const TRIMMED = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
/** Characters refused by shared/text-rules.ts: isPlainName (controls, bidi formatting) and isSafeFreeText (controls but tab and line breaks). */
const REFUSED = {
  name: String.raw`\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c`,
  free: String.raw`\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f`,
  none: "",
} as const;
const RULE_MESSAGE = { name: NAME_TEXT_MESSAGE, free: FREE_TEXT_MESSAGE, none: "" } as const;

function lengthWords(min: number, max: number | undefined) {
  if (max === undefined) return `at least ${min} characters`;
  return min === max ? `${min} characters` : min === 0 ? `at most ${max} characters` : `${min}-${max} characters`;
}

/** A string of `min`..`max` characters (code points); no `max`: no upper bound. */
export function chars(min: number, max?: number) {
  const re = new RegExp(String.raw`^[\s\S]{${min},${max ?? ""}}$`, "u");
  return z
    .string()
    .regex(re, `must be ${lengthWords(min, max)}`)
    .openapi({ minLength: min, ...(max === undefined ? {} : { maxLength: max }), pattern: re.source });
}

/**
 * Text that is trimmed, then must be `min`..`max` characters of the given kind (`name`: one
 * line, no controls or bidi formatting; `free`: no controls but tab and line breaks; `none`:
 * anything). One pattern states all of it for the raw value: surrounding whitespace, then a
 * core that starts and ends with a non-space character. The value handed on is trimmed.
 */
export function trimmedText(kind: keyof typeof REFUSED, min: number, max: number) {
  const ok = REFUSED[kind] ? `[^${REFUSED[kind]}]` : String.raw`[\s\S]`;
  const edge = `[^${TRIMMED}${REFUSED[kind]}]`;
  const core = max === 1 ? edge : `${edge}(?:${ok}{0,${max - 2}}${edge})?`;
  const pattern = `^[${TRIMMED}]*${min === 0 ? `(?:${core})?` : core}[${TRIMMED}]*$`;
  const rule = RULE_MESSAGE[kind];
  const message = `must be ${lengthWords(min, max)} once trimmed${rule ? `, and ${rule}` : ""}`;
  return z.string().regex(new RegExp(pattern, "u"), message).trim().openapi({ pattern });
}

/** Free text kept as sent (message bodies): at most `max` characters, no controls but tab and line breaks. */
export function freeText(max: number) {
  const pattern = `^[^${REFUSED.free}]{0,${max}}$`;
  return z.string().regex(new RegExp(pattern, "u"), `must be at most ${max} characters, and ${FREE_TEXT_MESSAGE}`).openapi({ pattern });
}

/** An RFC 3339 date-time with seconds and an offset (zod's ISO pattern, stated as the document's pattern). */
export function isoDateTime() {
  const pattern = z.iso.datetime({ offset: true })._zod.def.pattern!;
  return z.string().regex(pattern, "must be an ISO 8601 date-time with seconds and an offset, such as 2024-05-01T12:00:00Z");
}

/** A date-time the server sends (Date#toISOString), documented as such; responses are not validated here. */
export const SentTimestamp = z.string().openapi({ format: "date-time" });

/** An email address, by zod's own pattern (the document shows it rather than `format: email`, which is looser). */
export function email(max = 254) {
  return z.string().regex(z.regexes.email, "must be an email address").max(max);
}

/**
 * An absolute http(s) URL: a host name, an optional port, then RFC 3986 characters only (no
 * spaces, quotes, angle brackets or non-ASCII: percent-encode them). Checked by this pattern
 * alone, so the document's pattern is the whole rule (`format: uri` is looser than the server).
 */
// eslint-disable-next-line no-useless-escape -- `[` escaped in a class: Rust's engine (the validator's) reads a bare one as a nested class
const HTTP_URL = /^[Hh][Tt][Tt][Pp][Ss]?:\/\/[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*)?$/;
export function httpUrl(max = 2048) {
  return z.string().regex(HTTP_URL, "must be an http(s) URL (a host, then RFC 3986 characters; percent-encode others)").max(max);
}

/**
 * An integer query parameter: decimal digits only (no `1e3`, ` 5`, `0x10` or empty value,
 * which a plain coercion would take), then the bounds; without a `max`, the largest safe
 * integer (beyond it a number is no longer exact), which the document states.
 */
export function queryInt(opts: { min: number; max?: number; description?: string }) {
  const n = z.number().int().min(opts.min).max(opts.max ?? Number.MAX_SAFE_INTEGER);
  const parsed = z.preprocess((v) => (typeof v === "string" && /^-?[0-9]+$/.test(v) ? Number(v) : v), n);
  return opts.description ? parsed.openapi({ description: opts.description }) : parsed;
}

/**
 * Compile-time check that a response schema describes a type of the realtime contract
 * (src/contract/events.ts): `sameShape<z.output<typeof S>, T>()` fails the type-check when the
 * schema's output is not a T (a field renamed, retyped or missing).
 */
export function sameShape<_Schema extends _Type, _Type>(): void {}
