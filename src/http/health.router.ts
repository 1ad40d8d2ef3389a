// Liveness and readiness. /healthz says the process answers; /readyz checks the database
// and Redis and turns 503 while the server drains, so the balancer stops sending traffic.
import { Router } from "express";

export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean>;
}

// A probe that does not answer within this counts as down: /readyz itself must answer
// quickly when the database or Redis hangs, so the balancer can take the node out.
const PROBE_TIMEOUT_MS = 2000;

function withinTimeout(check: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
  return Promise.race([check.catch(() => false), late]).finally(() => clearTimeout(timer));
}

export function healthRouter(probes: ReadinessProbe[], isDraining: () => boolean): Router {
  const r = Router();
  r.get("/healthz", (_req, res) => {
    res.json({ status: "ok", uptime_sec: Math.round(process.uptime()) });
  });
  r.get("/readyz", async (_req, res) => {
    const results = await Promise.all(probes.map(async (p) => [p.name, await withinTimeout(p.check())] as const));
    const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "ok" : "down"]));
    const ready = !isDraining() && results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : isDraining() ? "draining" : "not_ready", checks });
  });
  return r;
}
