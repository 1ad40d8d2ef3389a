// A short, human label for the device behind a User-Agent ("Chrome on Linux", "Safari on
// iPhone"), for the session list. Only the label is stored, never the header: it is what
// the user needs to recognise a login, and a full User-Agent is a fingerprint. A handful of
// ordered rules rather than a library: the label only has to be recognisable, and a wrong
// guess costs nothing but a less helpful name (the IP and times are shown beside it).

const MAX_LABEL = 64;

// Order matters: Edge and Opera also say Chrome, Chrome also says Safari, and so on.
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\b(?:OPR|Opera|OPiOS)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bYaBrowser\//, "Yandex Browser"],
  [/\bVivaldi\//, "Vivaldi"],
  [/\b(?:Firefox|FxiOS)\//, "Firefox"],
  [/\b(?:CriOS|Chrome|Chromium)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
];

const SYSTEMS: [RegExp, string][] = [
  [/\biPad\b/, "iPad"],
  [/\biPhone\b|\biPod\b/, "iPhone"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b|\bX11\b/, "Linux"],
];

// Programs that are not browsers but do call the API (scripts, tests, other servers).
const PROGRAMS: [RegExp, string][] = [
  [/^node(?:-fetch)?\b|\bundici\b/i, "Node.js"],
  [/^curl\//i, "curl"],
  [/^python-requests\/|^python-httpx\/|^aiohttp\/|^Python-urllib\//i, "Python"],
  [/^okhttp\//i, "Android app"],
  [/^Dart\//i, "Dart app"],
  [/\bCFNetwork\//, "iOS app"],
];

const first = (rules: [RegExp, string][], ua: string) => rules.find(([re]) => re.test(ua))?.[1];

/** The label for a User-Agent header; null when none was sent. */
export function deviceLabel(userAgent: string | undefined | null): string | null {
  const ua = userAgent?.trim().slice(0, 512);
  if (!ua) return null;
  const browser = first(BROWSERS, ua);
  const system = first(SYSTEMS, ua);
  if (browser) return system ? `${browser} on ${system}` : browser;
  const program = first(PROGRAMS, ua);
  if (program) return program;
  if (system) return system;
  // Something else: its first product name ("MyApp/1.2 (...)" → "MyApp"), printable characters only.
  const product = /^[A-Za-z0-9][A-Za-z0-9 ._-]*?(?=\/|\s\(|$)/.exec(ua)?.[0]?.trim();
  return product ? product.slice(0, MAX_LABEL) : "Unknown device";
}
