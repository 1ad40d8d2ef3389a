// The string and query shapes of src/shared/zod.ts state their whole rule as the pattern the
// OpenAPI document shows, so a generator that follows the document (Schemathesis) neither
// sends text the server refuses nor is surprised by text it takes. Here each is held to the
// rule it encodes (shared/text-rules.ts, lengths in characters), on every BMP character and
// on random strings built from the characters that matter, and the document's pattern to
// the validation.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { describe, it } from "node:test";
import { OpenAPIRegistry, OpenApiGeneratorV3 } from "@asteasolutions/zod-to-openapi";
import { isPlainName, isSafeFreeText } from "../../src/shared/text-rules.ts";
import { chars, freeText, httpUrl, isoDateTime, queryInt, trimmedText, z } from "../../src/shared/zod.ts";

const codePoints = (s: string) => [...s].length;

/** The rules as written before they became patterns: trim, count characters, check the text. */
const reference = {
  name: (min: number, max: number) => (s: string) => { const t = s.trim(); return codePoints(t) >= min && codePoints(t) <= max && isPlainName(t); },
  free: (min: number, max: number) => (s: string) => { const t = s.trim(); return codePoints(t) >= min && codePoints(t) <= max && isSafeFreeText(t); },
  none: (min: number, max: number) => (s: string) => { const t = s.trim(); return codePoints(t) >= min && codePoints(t) <= max; },
};

// Spaces String#trim removes, controls, bidi formatting, line breaks, astral characters, letters.
const POOL = [" ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u2028", "\u3000", "\ufeff", "\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u009b", "\u202e", "\u2066", "\u200e", "\u061c", "\u200b", "😀", "𝒜", "a", "Z", "é", "س", "-", "\ud800"];
function randomStrings(n: number, maxLen: number): string[] {
  return Array.from({ length: n }, () => Array.from({ length: randomInt(maxLen + 1) }, () => POOL[randomInt(POOL.length)]).join(""));
}

/** The pattern the document shows for a schema, as a JSON Schema validator reads it (code points). */
function documentedPattern(schema: z.ZodType): RegExp {
  const registry = new OpenAPIRegistry();
  registry.register("S", z.object({ s: schema }).openapi("S"));
  const doc = new OpenApiGeneratorV3(registry.definitions).generateDocument({ openapi: "3.0.3", info: { title: "t", version: "1" } });
  return new RegExp((doc.components!.schemas!.S as { properties: { s: { pattern: string } } }).properties.s.pattern, "u");
}

describe("text shapes", () => {
  for (const [kind, min, max] of [["name", 1, 64], ["name", 1, 3], ["free", 0, 20], ["free", 1, 5], ["none", 0, 8], ["none", 1, 1]] as const) {
    it(`trimmedText(${kind}, ${min}, ${max}) is exactly: trimmed, ${min}-${max} characters, ${kind} rules`, () => {
      const schema = trimmedText(kind, min, max);
      const rule = reference[kind](min, max);
      const pattern = documentedPattern(schema);
      const samples = [...randomStrings(4000, max + 4), ...Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c)), "😀".repeat(max), "😀".repeat(max + 1), ` ${"a".repeat(max)} `];
      for (const s of samples) {
        const parsed = schema.safeParse(s);
        assert.equal(parsed.success, rule(s), JSON.stringify(s));
        assert.equal(pattern.test(s), parsed.success, `document pattern on ${JSON.stringify(s)}`);
        if (parsed.success) assert.equal(parsed.data, s.trim());
      }
    });
  }

  it("freeText keeps text as sent: at most N characters, no controls but tab and line breaks", () => {
    const schema = freeText(6);
    const pattern = documentedPattern(schema);
    for (const s of [...randomStrings(4000, 9), ...Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c))]) {
      const expected = codePoints(s) <= 6 && isSafeFreeText(s);
      assert.equal(schema.safeParse(s).success, expected, JSON.stringify(s));
      assert.equal(pattern.test(s), expected, JSON.stringify(s));
    }
  });

  it("chars counts characters, as JSON Schema's minLength and maxLength do", () => {
    const schema = chars(2, 4);
    assert.deepEqual(["a", "ab", "😀😀😀😀", "😀😀😀😀😀", "abcde"].map((s) => schema.safeParse(s).success), [false, true, true, false, false]);
    assert.equal(chars(8).safeParse("😀".repeat(7)).success, false, "seven characters are not eight, whatever their UTF-16 length");
  });
});

describe("other shapes", () => {
  it("httpUrl: an http(s) URL of RFC 3986 characters, nothing else", () => {
    const url = httpUrl();
    for (const ok of ["http://a", "https://instagram.com/someone?x=1#y", "HTTPS://cdn.example.com:8443/a/b%20c.jpg", "https://res.cloudinary.com/c/image/upload/v1/x.webp"]) assert.ok(url.safeParse(ok).success, ok);
    for (const bad of ["javascript:alert(1)", "ftp://a", "http://", "http://a b", "http://a/\"><script>", "http://é.com", "http:/a", "//a", "http://-a"]) assert.ok(!url.safeParse(bad).success, bad);
  });

  it("isoDateTime: RFC 3339 with seconds and an offset, real dates only", () => {
    const ts = isoDateTime();
    for (const ok of ["2024-02-29T12:00:00Z", "2024-01-01T00:00:00.123456+05:30"]) assert.ok(ts.safeParse(ok).success, ok);
    for (const bad of ["2023-02-29T12:00:00Z", "2024-01-01T00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00", "yesterday"]) assert.ok(!ts.safeParse(bad).success, bad);
  });

  it("queryInt: decimal digits only, then the bounds", () => {
    const q = queryInt({ min: 1, max: 1000 });
    assert.deepEqual(["1", "1000", "007"].map((s) => q.safeParse(s).data), [1, 1000, 7]);
    for (const bad of ["0", "1001", "1e2", "0x10", " 5", "5 ", "", "2.5", "NaN", "Infinity"]) assert.ok(!q.safeParse(bad).success, JSON.stringify(bad));
    // Unbounded above: any decimal up to the largest safe integer, which the document states as the maximum.
    const since = queryInt({ min: 0 });
    assert.equal(since.safeParse("999999999999999999").success, false, "beyond the largest safe integer");
    assert.equal(since.safeParse(String(Number.MAX_SAFE_INTEGER)).data, Number.MAX_SAFE_INTEGER);
    assert.equal(since.safeParse("9".repeat(400)).success, false);
  });
});
