// Kill tests: several clients through nginx, a steady sender, and one disruption each.
// Every acked message must reach every member exactly once and in seq order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startCluster, type Cluster } from "../support/cluster.ts";
import { runScenario, type ScenarioResult } from "../support/delivery-scenario.ts";

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3, env: { SHUTDOWN_TIMEOUT_MS: "3000" } });
});
after(() => cluster?.stop());

function report(name: string, r: ScenarioResult) {
  console.log(
    `[${name}] acked=${r.acked} checked=${r.checked} (acked x ${r.receivers} receivers) lost=0 duplicates-stored=0 ` +
      `sender-retries=${r.retries} recovered=${r.recovered} not-recovered=${r.notRecovered} via-sync=${r.fromSync} ` +
      `via-gap-fill=${r.fromGapFill} raw-duplicates-deduped=${r.rawDuplicates} max-reconnect-ms=${r.reconnectMsMax}`,
  );
}

describe("delivery under failures (3 nodes behind nginx, streams adapter)", () => {
  it("SIGKILL of one node", async () => {
    const r = await runScenario(cluster, async () => {
      await cluster.kill(1, "SIGKILL");
      await cluster.start(1);
    });
    report("sigkill", r);
    assert.ok(r.acked > 20);
  });

  it("rolling SIGTERM restart of every node", async () => {
    const r = await runScenario(
      cluster,
      async () => {
        for (let i = 0; i < cluster.nodes.length; i++) {
          await cluster.kill(i, "SIGTERM");
          await cluster.start(i);
        }
      },
      { sendMs: 1500 },
    );
    report("rolling-sigterm", r);
    assert.ok(r.acked > 20);
    // A graceful stop saves recovery sessions: clients come back through recovery.
    assert.ok(r.recovered > 0, "no client recovered its session after a graceful restart");
  });

  it("Redis restart (data lost)", async () => {
    const r = await runScenario(cluster, () => cluster.redis.restart());
    report("redis-restart", r);
    assert.ok(r.acked > 20);
  });

  it("database restart", async () => {
    const r = await runScenario(cluster, () => cluster.db.restart());
    report("db-restart", r);
    assert.ok(r.acked > 20);
  });
});
