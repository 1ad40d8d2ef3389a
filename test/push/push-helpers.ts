// What the push tests share: a server configured to push to the local stand-ins (the test-only
// relaxation for loopback endpoints, the stand-in's certificate trusted through PUSH_CA_FILE,
// FCM pointed at the local FCM), and registering a device the way a client does.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Api } from "../support/http.ts";
import type { FcmService } from "../support/fcm-service.ts";
import type { PushService, PushSubscriptionJSON } from "../support/push-service.ts";

/** The environment that points a server at the stand-ins. */
export function pushEnv(push?: PushService, fcm?: FcmService, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PUSH_ALLOW_PRIVATE_ENDPOINTS: "true", PUSH_RETRY_BASE_MS: "200", ...extra };
  if (push) {
    const file = join(mkdtempSync(join(tmpdir(), "push-ca-")), "ca.pem");
    writeFileSync(file, push.ca);
    env.PUSH_CA_FILE = file;
  }
  if (fcm) {
    env.FCM_SERVICE_ACCOUNT_JSON = JSON.stringify(fcm.serviceAccount);
    env.FCM_API_URL = fcm.apiUrl;
  }
  return env;
}

/** Subscribes a browser-like device at the stand-in, pinned to the server's VAPID key, and registers it. */
export async function subscribeWebPush(api: Api, push: PushService, token: string): Promise<{ id: string; subscription: PushSubscriptionJSON }> {
  const key = await api.get("/api/push/vapid-public-key");
  if (key.status !== 200) throw new Error(`vapid key: ${key.status} ${JSON.stringify(key.body)}`);
  const subscription = push.newSubscription({ applicationServerKey: key.body.public_key });
  const res = await api.post("/api/push/subscriptions", { type: "webpush", ...subscription, expirationTime: null }, token);
  if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, subscription };
}

export async function subscribeFcm(api: Api, token: string, deviceToken: string, platform: "android" | "ios" | "web" = "android"): Promise<string> {
  const res = await api.post("/api/push/subscriptions", { type: "fcm", token: deviceToken, platform }, token);
  if (res.status !== 201) throw new Error(`subscribe fcm: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** A fresh FCM registration token, shaped like real ones. */
export const fcmToken = () => `${Math.random().toString(36).slice(2, 13)}:APA91b${"x".repeat(20)}${Math.random().toString(36).slice(2)}${"y".repeat(100)}`;

/** Waits until the in-process push queue holds nothing (every push so far made or given up). */
export async function pushQueueDrained(app: { services: { push: { depth(): Promise<number> } } }, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await app.services.push.depth()) > 0) {
    if (Date.now() > deadline) throw new Error(`push queue not drained in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
