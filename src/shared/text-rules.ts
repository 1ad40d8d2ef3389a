// What text a user may store where others will see it. Names (display names, group names)
// are one line of plain text: no control characters, and none of the invisible bidi
// formatting characters that can make "evil‮gpj.exe" read as "evilexe.jpg" or make one
// user's name impersonate another's. Free text (messages, descriptions) may span lines and
// may need bidi marks for mixed-direction writing, so it refuses only control characters
// other than tab and newlines. Reaction emoji are one emoji or a `:shortcode:`.

/** C0 controls, DEL and C1 controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
/** The same, minus tab, line feed and carriage return (CRLF from some clients). */
// eslint-disable-next-line no-control-regex -- likewise
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
/** Bidi embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the marks LRM, RLM, ALM. */
const BIDI_FORMATTING = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

export const NAME_TEXT_MESSAGE = "must not contain control characters or invisible bidirectional formatting characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F)";
export const FREE_TEXT_MESSAGE = "must not contain control characters other than tab and line breaks";

/** A name shown on one line: no control characters, no bidi formatting characters. */
export function isPlainName(s: string): boolean {
  return !CONTROL.test(s) && !BIDI_FORMATTING.test(s);
}

/** Free text (message bodies, descriptions): any character except controls other than \t, \n, \r. */
export function isSafeFreeText(s: string): boolean {
  return !CONTROL_EXCEPT_LINES.test(s);
}

// One emoji, structurally: a regional-indicator pair (a flag; a lone indicator is not), a
// keycap, or a chain of pictographs joined by ZWJ, each with an optional presentation
// selector, skin-tone modifier and tag sequence (subdivision flags). Built from Unicode
// properties rather than a list, so emoji newer than this file still pass, while letters,
// digits, punctuation, controls and formatting characters do not. Intl.Segmenter then
// checks that the whole string is one user-perceived character.
const PICTOGRAPH = String.raw`(?:\p{Extended_Pictographic}|(?!\p{Regional_Indicator})\p{Emoji_Presentation})[\uFE0F\p{Emoji_Modifier}]{0,2}(?:[\u{E0020}-\u{E007E}]+\u{E007F})?`;
const EMOJI = new RegExp(String.raw`^(?:\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3|${PICTOGRAPH}(?:\u200D${PICTOGRAPH})*)$`, "u");
const SHORTCODE = /^:[a-z0-9_+-]{1,32}:$/;
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

export const EMOJI_MAX_LENGTH = 64;
export const EMOJI_MESSAGE = "must be exactly one emoji (such as 👍) or a :shortcode: of 1-32 characters a-z 0-9 _ + -";

/** Exactly one emoji grapheme, or `:shortcode:` from a fixed alphabet. */
export function isReactionEmoji(s: string): boolean {
  if (s.length === 0 || s.length > EMOJI_MAX_LENGTH) return false;
  if (SHORTCODE.test(s)) return true;
  if (!EMOJI.test(s)) return false;
  let count = 0;
  for (const _ of graphemes.segment(s)) if (++count > 1) return false;
  return count === 1;
}
