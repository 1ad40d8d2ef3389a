// Liveness and readiness. /healthz says the process answers; /readyz checks the database
// and Redis and turns 503 while the server drains, so the balancer stops sending traffic.
import { Router } from "express";

export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean>;
}

export function healthRouter(probes: ReadinessProbe[], isDraining: () => boolean): Router {
  const r = Router();
  r.get("/healthz", (_req, res) => {
    res.json({ status: "ok", uptime_sec: Math.round(process.uptime()) });
  });
  r.get("/readyz", async (_req, res) => {
    const results = await Promise.all(probes.map(async (p) => [p.name, await p.check().catch(() => false)] as const));
    const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "ok" : "down"]));
    const ready = !isDraining() && results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : isDraining() ? "draining" : "not_ready", checks });
  });
  return r;
}
