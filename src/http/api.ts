// Mounts every REST router under /api.
import type { Express } from "express";
import type { AppDeps } from "../app.ts";
import type { Services } from "../services.ts";
import { authRouter } from "./auth.router.ts";
import type { RouteKit } from "./route.ts";
import { usersRouter } from "./users.router.ts";

export function mountApiRouters(app: Express, kit: Omit<RouteKit, "router" | "prefix">, s: Services, _deps: AppDeps) {
  const at = (prefix: string) => ({ ...kit, prefix });
  app.use("/api/auth", authRouter(at("/api/auth"), s.auth));
  app.use("/api/users", usersRouter(at("/api/users"), s.users));
}
