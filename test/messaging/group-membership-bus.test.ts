// The membership bus over a Socket.IO cluster adapter whose peers never answer, or whose
// Redis is unreachable: a membership change waits at most the bound, never fails, and
// leaves no unhandled rejection behind. On the in-memory adapter (one node) there is no bus.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Adapter, ClusterAdapter } from "socket.io-adapter";
import { socketIoMembershipBus } from "../../src/groups/membership-bus.ts";

const fakeNamespace = () => ({ name: "/groups", server: { encoder: {} } });

/** A cluster adapter with one silent peer (or a failing Redis), publishing nowhere. */
function clusterAdapter(opts: { redisDown?: boolean }) {
  class Silent extends ClusterAdapter {
    constructor(nsp: never) {
      super(nsp);
    }
    override async doPublish() {
      return "";
    }
    override async doPublishResponse() {}
    override async serverCount() {
      if (opts.redisDown) throw new Error("Connection is closed.");
      return 2;
    }
  }
  return new Silent(fakeNamespace() as never);
}

describe("group membership bus", () => {
  it("is absent on the in-memory adapter", () => {
    assert.equal(socketIoMembershipBus({ adapter: new Adapter(fakeNamespace() as never) }), undefined);
  });

  it("stops waiting for a silent node after the bound", async () => {
    const bus = socketIoMembershipBus({ adapter: clusterAdapter({}) }, 100)!;
    const started = Date.now();
    await bus.publish({ groupId: "g", userIds: ["u"] });
    const waited = Date.now() - started;
    assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
  });

  it("resolves at once, without an unhandled rejection, when Redis is unreachable", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const bus = socketIoMembershipBus({ adapter: clusterAdapter({ redisDown: true }) }, 5000)!;
      const started = Date.now();
      await bus.publish({ groupId: "g", userIds: [] });
      assert.ok(Date.now() - started < 1000);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
