// The rooms of the fan-out benchmark: for our app, real users in real groups made through
// the REST API; for a baseline-only run, made-up names (it has no auth and no database).
import { startServer, benchEnv, type BenchDb } from "./servers.ts";
import { createGroup, registerUsers, type BenchUser } from "./setup.ts";

export interface Fixture {
  owner: BenchUser;
  /** Room size → its group and the distinct members whose sockets fill it. */
  groups: Map<number, { id: string; members: BenchUser[] }>;
}

/**
 * Distinct users per room are capped (registering them is the slow part of the setup, and
 * every invitation beyond what POST /api/groups takes rewrites the whole group), so larger
 * rooms reuse members on several devices (sockets), which is what a room delivers to anyway.
 */
export async function makeFixture(o: { db: BenchDb; sizes: number[]; maxDistinct: number; synthetic: boolean }): Promise<Fixture> {
  if (o.synthetic) {
    const user = (name: string): BenchUser => ({ id: name, username: name, token: "" });
    const groups: Fixture["groups"] = new Map();
    for (const size of o.sizes) {
      const n = Math.min(size, o.maxDistinct);
      groups.set(size, { id: `bench-${n}`, members: Array.from({ length: n }, (_, i) => user(`m${n}_${i}`)) });
    }
    return { owner: user("owner0"), groups };
  }
  const setup = await startServer("ours", { db: o.db, env: benchEnv(), name: `setup-${o.db.kind}` });
  try {
    const t0 = performance.now();
    const [owner] = await registerUsers(setup.url, 1, "owner");
    const groups: Fixture["groups"] = new Map();
    let users = 1;
    for (const size of o.sizes) {
      const n = Math.min(size, o.maxDistinct);
      const same = [...groups.values()].find((g) => g.members.length === n);
      if (same) {
        groups.set(size, same);
        continue;
      }
      const members = await registerUsers(setup.url, n, `m${n}_`);
      users += n;
      groups.set(size, { id: await createGroup(setup.url, owner!, members, `bench-${n}`), members });
    }
    console.log(`fixture: ${users} users and ${new Set(groups.values()).size} groups in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { owner: owner!, groups };
  } finally {
    await setup.close();
  }
}
