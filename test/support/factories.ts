// Factories that create real users (and later couples, groups, DMs) through the REST API.
import { randomInt } from "node:crypto";
import type { Api } from "./http.ts";

export interface TestUser {
  id: string;
  username: string;
  phone: string;
  password: string;
  display_name: string;
  token: string;
  refresh: string;
}

let counter = 0;
export function uniquePhone(): string {
  counter++;
  return `+1555${String(process.pid % 1000).padStart(3, "0")}${String(counter).padStart(4, "0")}${randomInt(10)}`;
}

export async function buildUser(api: Api, overrides: Partial<{ phone: string; password: string; display_name: string; username: string }> = {}): Promise<TestUser> {
  const phone = overrides.phone ?? uniquePhone();
  const password = overrides.password ?? "correct horse battery";
  const display_name = overrides.display_name ?? `User ${counter}`;
  const body: Record<string, string> = { phone, password, display_name };
  if (overrides.username) body.username = overrides.username;
  const res = await api.post("/api/auth/register", body);
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    username: res.body.user.username,
    phone,
    password,
    display_name,
    token: res.body.access_token,
    refresh: res.body.refresh_token,
  };
}
