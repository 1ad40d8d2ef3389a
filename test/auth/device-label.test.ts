// The device label a session shows, from real User-Agent strings of the browsers and
// programs that call the API.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deviceLabel } from "../../src/auth/device-label.ts";

const CASES: [string | undefined, string | null][] = [
  ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome on Linux"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "Edge on Windows"],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0", "Opera on Windows"],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox on macOS"],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "Safari on macOS"],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari on iPhone"],
  ["Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "Chrome on iPad"],
  ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36", "Chrome on Android"],
  ["Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"],
  ["Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", "Firefox on Android"],
  ["Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome on ChromeOS"],
  ["node", "Node.js"],
  ["curl/8.5.0", "curl"],
  ["python-requests/2.31.0", "Python"],
  ["okhttp/4.12.0", "Android app"],
  ["Dart/3.3 (dart:io)", "Dart app"],
  ["ChatApp/2.1 CFNetwork/1494.0.7 Darwin/23.4.0", "iOS app"],
  ["SomeBot/1.0 (+https://example.com/bot)", "SomeBot"],
  ["\u0000\u0001weird", "Unknown device"],
  ["", null],
  [undefined, null],
];

test("labels a User-Agent as browser on system, or the program", () => {
  for (const [ua, label] of CASES) assert.equal(deviceLabel(ua), label, String(ua));
});

test("a label is short whatever comes in", () => {
  assert.ok(deviceLabel(`${"A".repeat(5000)}/1.0`)!.length <= 64);
});
