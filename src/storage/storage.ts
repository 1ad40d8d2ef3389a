// Everything the server stores, as the features' own repositories. Two implementations:
// SQLite (node:sqlite, the embedded default: one file under DATA_DIR, one process) and
// MongoDB (cluster mode, through mongoose). Services receive these interfaces only; no
// file outside src/storage/sqlite and src/storage/mongo imports a database driver.
import type { AccountDeletionRepository } from "../account/account-deletion.repository.ts";
import type { AuditRepository } from "../audit/audit.repository.ts";
import type { SessionRepository } from "../auth/session.repository.ts";
import type { PartnerRequestRepository } from "../couples/partner-request.repository.ts";
import type { EventRepository } from "../events/event.repository.ts";
import type { GroupRepository } from "../groups/group.repository.ts";
import type { UploadRepository } from "../media/upload.repository.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { MessageRepository } from "../messaging/message.repository.ts";
import type { ProfileRepository } from "../profiles/profile.repository.ts";
import type { PushSubscriptionRepository } from "../push/push-subscription.repository.ts";
import type { GroupSanctionRepository } from "../moderation/group-sanctions.repository.ts";
import type { ReportRepository } from "../moderation/report.repository.ts";
import type { BlockRepository } from "../safety/block.repository.ts";
import type { StickerRepository } from "../stickers/sticker.repository.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { CopySource, CopyTarget } from "./copy.ts";

export interface Storage {
  kind: "sqlite" | "mongo";
  users: UserRepository;
  sessions: SessionRepository;
  partnerRequests: PartnerRequestRepository;
  conversations: ConversationRepository;
  messages: MessageRepository;
  events: EventRepository;
  groups: GroupRepository;
  profiles: ProfileRepository;
  stickers: StickerRepository;
  uploads: UploadRepository;
  pushSubscriptions: PushSubscriptionRepository;
  /** Reports of messages and users (issue 15, moderation). */
  reports: ReportRepository;
  /** Group bans and post blocks (issue 15, moderation). */
  groupSanctions: GroupSanctionRepository;
  /** Who blocked whom (src/safety). */
  blocks: BlockRepository;
  /** Users' security events (src/audit). */
  audit: AuditRepository;
  /** Account deletion jobs and their bulk writes (src/account). */
  accountDeletions: AccountDeletionRepository;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Bulk access for `npm run db:copy` (src/storage/copy.ts). */
  copy: CopySource & CopyTarget;
  close(): Promise<void>;
}
