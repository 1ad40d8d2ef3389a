// The push benchmark's world, made through the public REST API (not measured): one sender,
// D DM partners and a group of G members, every recipient OFFLINE (no socket, ever) with one
// Web Push subscription at the local push service, registered as a browser would
// (applicationServerKey = the server's VAPID key). And the server's push figures from /metrics,
// and how busy the shared machine was besides the benchmark.
import { readdirSync, readFileSync } from "node:fs";
import { api } from "../../test/support/http.ts";
import type { PushSubscriptionJSON } from "../../test/support/push-service.ts";
import type { ChildHandle } from "./ipc.ts";
import type { PushTarget } from "./push-sender.ts";
import { procCpuMs } from "./server-probe.ts";
import { createGroup, mapLimit, registerUsers, type BenchUser } from "./setup.ts";

export interface PushWorld {
  sender: BenchUser;
  /** Message n goes to targets[n % targets.length] and makes pushesPer[n % targets.length] pushes. */
  targets: PushTarget[];
  pushesPer: number[];
  vapidKey: string;
}

const dmId = (a: string, b: string) => `dm:${[a, b].sort().join("|")}`;

export async function buildPushWorld(url: string, pushService: ChildHandle, o: { dms: number; groupMembers: number }): Promise<PushWorld> {
  const rest = api(url);
  const users = await registerUsers(url, 1 + o.dms + o.groupMembers, "push");
  const sender = users[0]!;
  const partners = users.slice(1, 1 + o.dms);
  const members = users.slice(1 + o.dms);
  const targets: PushTarget[] = partners.map((p) => ({ ns: "dm", chatId: dmId(sender.username, p.username) }));
  const pushesPer = partners.map(() => 1);
  if (members.length) {
    // Before the subscriptions: the invitations this pushes go nowhere.
    targets.push({ ns: "groups", chatId: await createGroup(url, sender, members, "push-bench") });
    pushesPer.push(members.length);
  }
  const key = await rest.get("/api/push/vapid-public-key");
  if (key.status !== 200) throw new Error(`vapid key: ${key.status} ${JSON.stringify(key.body)}`);
  const vapidKey: string = key.body.public_key;
  await pushService.call("expectVapidKey", vapidKey);
  const recipients = [...partners, ...members];
  const subs = await pushService.call<PushSubscriptionJSON[]>("subscriptions", { n: recipients.length, key: vapidKey });
  await mapLimit(recipients, 8, async (u, i) => {
    const res = await rest.post("/api/push/subscriptions", { type: "webpush", ...subs[i]!, expirationTime: null }, u.token);
    if (res.status !== 201) throw new Error(`subscribe ${u.username}: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return { sender, targets, pushesPer, vapidKey };
}

/** The `chat_push_*` series of /metrics (loopback may read it without a token), by full series name. */
export async function pushMetrics(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`/metrics: ${res.status}`);
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split("\n")) {
    if (!line.startsWith("chat_push_")) continue;
    const at = line.lastIndexOf(" ");
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

/** The sum of every series of this metric (all label values). */
export function metricSum(m: Record<string, number>, name: string): number {
  let sum = 0;
  for (const [k, v] of Object.entries(m)) if (k === name || k.startsWith(`${name}{`)) sum += v;
  return sum;
}

/** Samples the queue depth every `everyMs` until stopped: the deepest backlog seen. */
export function sampleQueueDepth(url: string, everyMs: number) {
  let max = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const d = (await pushMetrics(url)).chat_push_queue_depth;
        if (d !== undefined) {
          max = Math.max(max, d);
          samples++;
        }
      } catch {
        // A scrape that fails is a missing sample, not a broken run.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

/** Both cores' busy time so far (/proc/stat: user, nice, system, irq, softirq, steal), in ms; null off Linux. */
function machineBusyMs(): number | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
    return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ = 100
  } catch {
    return null;
  }
}

/** CPU time of a process by pid, in ms (0 once it is gone). */
function pidCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return procCpuMs(pid);
  } catch {
    return 0;
  }
}

/** The redis-server listening on this port, to count its CPU as the benchmark's own. */
export function redisPid(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("redis-server") && cmd.includes(String(port))) return Number(entry);
    } catch {
      // Gone while we looked.
    }
  }
  return undefined;
}

/**
 * The machine over a window: how many cores were busy in all, and how many of those were not
 * this benchmark's processes (other people's work on the shared machine, plus steal). A run
 * whose "others" is high measured a contended machine.
 */
export function machineWindow(pids: (number | undefined)[]) {
  const ours = () => pids.reduce((sum: number, p) => sum + pidCpuMs(p), 0) + (process.cpuUsage().user + process.cpuUsage().system) / 1000;
  const busy0 = machineBusyMs();
  const ours0 = ours();
  const t0 = performance.now();
  return {
    stop(): { busy_cores: number | null; others_cores: number | null } {
      const busy1 = machineBusyMs();
      const wall = performance.now() - t0;
      if (busy0 === null || busy1 === null) return { busy_cores: null, others_cores: null };
      const busy = (busy1 - busy0) / wall;
      const mine = (ours() - ours0) / wall;
      return { busy_cores: Math.round(busy * 100) / 100, others_cores: Math.round(Math.max(0, busy - mine) * 100) / 100 };
    },
  };
}
