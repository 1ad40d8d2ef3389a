// What the growth benchmark measures against a running server: each operation a few
// hundred times, one request at a time (latency, not throughput), as the probe users.
// Half the conversation-level requests go to the caller's busiest conversations (the
// world's hot ones), half to any of the caller's conversations.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { ConversationType } from "../../src/contract/models.ts";
import { namespaceOf } from "../../src/messaging/conversation-policy.ts";
import { Histogram, type Summary } from "./histogram.ts";
import type { Conv, Probe, SampleMessage, World } from "./growth-world.ts";

export const PASSWORD = "growth password 123";

export const OPS = ["send", "latest 50", "history before ts", "history after seq", "by id", "by ts", "couple chat", "dm threads", "group list", "unread", "sync", "login"] as const;
export type Op = (typeof OPS)[number];

export interface OpResult {
  op: Op;
  latency: Summary;
  errors: number;
  error_kinds: Record<string, number>;
}

interface Caller {
  probe: Probe;
  token: string;
  /** Per conversation type, the caller's socket on its namespace, or why it could not connect. */
  sockets: Partial<Record<ConversationType, Socket | Error>>;
}

/** The REST paths of a conversation's messages: each kind mounts them under its own prefix. */
function paths(c: Conv) {
  const id = encodeURIComponent(c.publicId);
  if (c.type === "couple") {
    const base = `/api/chats/${id}/messages`;
    return { latest: `${base}/latest`, history: base, byId: (m: string) => `${base}/${m}`, byTs: (t: string) => `${base}/by-ts/${encodeURIComponent(t)}` };
  }
  const base = c.type === "group" ? `/api/messages/${id}` : `/api/dm/${id}`;
  return { latest: `${base}/latest`, history: `${base}/history`, byId: (m: string) => `${base}/by-id/${m}`, byTs: (t: string) => `${base}/by-ts/${encodeURIComponent(t)}` };
}

class Failed extends Error {}

async function request(url: string, path: string, token: string | null, body?: unknown): Promise<unknown> {
  const res = await fetch(url + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Failed(`${res.status} ${(json as { error?: { code?: string } } | null)?.error?.code ?? ""}`.trim());
  return json;
}

/** A socket that got its `session` (it has joined its rooms), or the reason it did not. */
function connect(url: string, ns: string, token: string): Promise<Socket | Error> {
  return new Promise((resolve) => {
    const s = io(`${url}/${ns}`, { auth: { token }, transports: ["websocket"], forceNew: true, reconnection: false });
    const fail = (why: string) => {
      clearTimeout(timer);
      s.close();
      resolve(new Error(`/${ns} socket: ${why}`));
    };
    const timer = setTimeout(() => fail("no session within 30 s"), 30_000);
    s.once("session", () => {
      clearTimeout(timer);
      s.off("disconnect");
      resolve(s);
    });
    s.once("connect_error", (e: Error & { data?: { message?: string } }) => fail(e.data?.message ?? e.message));
    // The server drops a socket whose setup failed (a storage error while joining rooms).
    s.once("disconnect", (reason) => fail(`disconnected before its session (${reason})`));
  });
}

/** Logs the probe users in (not measured) and opens a socket per namespace for each. */
export async function openCallers(url: string, w: World): Promise<{ callers: Caller[]; close(): void }> {
  const callers = await Promise.all(
    w.probes.map(async (probe) => {
      const { access_token } = (await request(url, "/api/auth/login", null, { username: probe.user.phone, password: PASSWORD })) as { access_token: string };
      const types = [...new Set(probe.convs.map((i) => w.convs[i]!.type))];
      const sockets = Object.fromEntries(await Promise.all(types.map(async (t) => [t, await connect(url, namespaceOf[t], access_token)] as const)));
      return { probe, token: access_token, sockets };
    }),
  );
  return { callers, close: () => callers.forEach((c) => Object.values(c.sockets).forEach((s) => s instanceof Error || s.close())) };
}

/** Runs one operation `samples` times (after `warmup` unmeasured ones) and summarises its latency. */
export async function measureOp(url: string, w: World, callers: Caller[], op: Op, o: { samples: number; warmup: number }): Promise<OpResult> {
  const hist = new Histogram();
  const kinds: Record<string, number> = {};
  let errors = 0;
  const rng = w.rng;
  const pickOf = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  /** A conversation of the caller (half the time one of their hot ones) with a sampled message in it. */
  const target = (c: Caller): { conv: Conv; m: SampleMessage } => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const conv = w.convs[pickOf(rng() < 0.5 && c.probe.hot.length ? c.probe.hot : c.probe.convs)]!;
      const kept = w.samples.get(conv.key)?.kept ?? [];
      if (kept.length) return { conv, m: pickOf(kept) };
    }
    throw new Failed("no stored message in the caller's conversations");
  };
  const run = async (c: Caller): Promise<unknown> => {
    switch (op) {
      case "couple chat":
        return request(url, "/api/chats", c.token);
      case "dm threads":
        return request(url, "/api/dm/threads", c.token);
      case "group list":
        return request(url, "/api/groups", c.token);
      case "unread":
        // Every conversation's count and mention flag; the probes have read nothing, the worst case.
        return request(url, "/api/unread", c.token);
      case "sync":
        // A client back after a short absence: its cursor some hundreds of positions behind the head.
        return request(url, `/api/events/sync?since=${Math.max(0, w.eventHead - 500)}&limit=100`, c.token);
      case "login":
        return request(url, "/api/auth/login", null, { username: c.probe.user.phone, password: PASSWORD });
    }
    const { conv, m } = target(c);
    const p = paths(conv);
    const iso = new Date(m.created_at).toISOString();
    switch (op) {
      case "send": {
        const socket = c.sockets[conv.type]!;
        if (socket instanceof Error) throw new Failed(socket.message);
        const res = (await socket.timeout(10_000).emitWithAck("send_message", { chat_id: conv.publicId, client_message_id: randomUUID(), text: `growth probe ${randomUUID()}` })) as { ok: boolean; error?: { code: string } };
        if (!res.ok) throw new Failed(res.error?.code ?? "not ok");
        return (w.eventHead += 1);
      }
      case "latest 50":
        return request(url, `${p.latest}?count=50`, c.token);
      case "history before ts":
        return request(url, `${p.history}?before_timestamp=${encodeURIComponent(iso)}&limit=50`, c.token);
      case "history after seq":
        return request(url, `${p.history}?after_seq=${Math.max(0, m.seq - 1)}&limit=50`, c.token);
      case "by id":
        return request(url, p.byId(m.id), c.token);
      case "by ts":
        return request(url, p.byTs(iso), c.token);
    }
  };
  for (let i = 0; i < o.warmup + o.samples; i++) {
    const t = performance.now();
    try {
      await run(pickOf(callers));
      if (i >= o.warmup) hist.record((performance.now() - t) * 1000);
    } catch (err) {
      errors++;
      const kind = err instanceof Error ? err.message : String(err);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }
  return { op, latency: hist.summary(), errors, error_kinds: kinds };
}
