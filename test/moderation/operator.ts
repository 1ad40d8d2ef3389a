// An operator for the moderation tests: ADMIN_USER_IDS names user ids, which registration
// makes up, so the test picks the id, starts the server with it, then creates that user
// directly in the server's storage and logs in over REST like anyone.
import bcrypt from "bcrypt";
import { newId } from "../../src/shared/ids.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { uniquePhone, type TestUser } from "../support/factories.ts";
import type { Api } from "../support/http.ts";

export const newOperatorId = () => newId();

export async function buildOperator(api: Api, storage: Storage, id: string): Promise<TestUser> {
  const [phone, password] = [uniquePhone(), "operator password 1"];
  const username = `op_${id.slice(-8)}`;
  await storage.users.create({ id, phone, username, display_name: "Operator", password_hash: await bcrypt.hash(password, 4), email: null });
  const res = await api.post("/api/auth/login", { username: phone, password });
  if (res.status !== 200) throw new Error(`operator login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id, username, phone, password, display_name: "Operator", token: res.body.access_token, refresh: res.body.refresh_token };
}
