// Registers every contract suite against one implementation: one database (opened once,
// before the suites) shared by all of them, each test using fresh ids.
import { after, before, describe } from "node:test";
import type { Storage } from "../../../src/storage/storage.ts";
import { conversationsContract } from "./conversations.contract.ts";
import { copyContract } from "./copy.contract.ts";
import { eventsContract } from "./events.contract.ts";
import { groupsContract } from "./groups.contract.ts";
import type { ContractSuite, SuiteContext } from "./helpers.ts";
import type { Implementation, OpenedStorage } from "./implementations.ts";
import { messagesContract } from "./messages.contract.ts";
import { moderationContract } from "./moderation.contract.ts";
import { partnerRequestsContract } from "./partner-requests.contract.ts";
import { profilesStickersUploadsContract } from "./profiles-stickers-uploads.contract.ts";
import { pushSubscriptionsContract } from "./push-subscriptions.contract.ts";
import { blocksContract } from "./blocks.contract.ts";
import { readStateContract } from "./read-state.contract.ts";
import { sessionsContract } from "./sessions.contract.ts";
import { auditContract } from "./audit.contract.ts";
import { accountDeletionsContract } from "./account-deletions.contract.ts";
import { usersContract } from "./users.contract.ts";

export const CONTRACT_SUITES: readonly ContractSuite[] = [
  usersContract,
  sessionsContract,
  auditContract,
  partnerRequestsContract,
  conversationsContract,
  messagesContract,
  readStateContract,
  eventsContract,
  groupsContract,
  moderationContract,
  profilesStickersUploadsContract,
  pushSubscriptionsContract,
  blocksContract,
  accountDeletionsContract,
  copyContract,
];

/** The storage contract for `impl`; `others` are the implementations the copy suite also copies to and from. */
export function registerContract(impl: Implementation, others: readonly Implementation[] = []): void {
  describe(`storage contract: ${impl.name}`, () => {
    let opened: OpenedStorage | undefined;
    before(async () => {
      opened = await impl.open();
    });
    after(async () => {
      await opened?.stop();
    });
    const get = (): Storage => {
      if (!opened) throw new Error(`the ${impl.name} storage did not open (see the before hook)`);
      return opened.storage;
    };
    const ctx: SuiteContext = {
      kind: impl.name,
      openFresh: () => impl.open(),
      others,
      ...(impl.openNodes ? { openNodes: (n: number) => impl.openNodes!(n) } : {}),
    };
    for (const suite of CONTRACT_SUITES) suite(get, ctx);
  });
}
