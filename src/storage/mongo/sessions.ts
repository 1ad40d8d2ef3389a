import type { Model } from "mongoose";
import type { RefreshTokenRecord, SessionRecord, SessionRepository } from "../../auth/session.repository.ts";
import type { Claims } from "./claims.ts";
import { inserted } from "./errors.ts";
import { raw, type ClaimDoc, type RefreshClaimDoc, type RefreshTokenDoc, type SessionDoc } from "./schemas.ts";

export function toSession(d: SessionDoc): SessionRecord {
  return {
    id: d._id,
    user_id: d.user_id,
    revoked_at: d.revoked_at ?? null,
    revoked_reason: d.revoked_reason ?? null,
    expires_at: d.expires_at,
    created_at: d.created_at,
    device: d.device ?? null,
    ip: d.ip ?? null,
    // A document from before issue 15 has none: it was last used, as far as anyone knows, when created.
    last_used_at: d.last_used_at ?? d.created_at,
  };
}

export function sessionDoc(r: SessionRecord): SessionDoc {
  const { id, ...rest } = r;
  return { _id: id, ...rest, revoked_at: r.revoked_at ?? null, revoked_reason: r.revoked_reason ?? null, device: r.device ?? null, ip: r.ip ?? null, last_used_at: r.last_used_at ?? r.created_at };
}

/** The token with used_at taken from its claim, which is what decides whether it was used. */
export function toRefreshToken(d: RefreshTokenDoc, claim: RefreshClaimDoc | null | undefined): RefreshTokenRecord {
  return { id: d._id, session_id: d.session_id, user_id: d.user_id, used_at: claim?.at ?? null, expires_at: d.expires_at };
}

export interface SessionModels {
  Session: Model<SessionDoc>;
  RefreshToken: Model<RefreshTokenDoc>;
  RefreshClaim: Model<RefreshClaimDoc>;
  Claim: Model<ClaimDoc>;
  claims: Claims;
}

const revocation = (sessionId: string) => `revoke:${sessionId}`;

export function mongoSessions(d: SessionModels): SessionRepository {
  const { Session, RefreshToken, RefreshClaim, claims } = d;

  async function markRevoked(id: string, reason: string, at: Date) {
    await Session.updateOne({ _id: id, revoked_at: null }, { $set: { revoked_at: at, revoked_reason: reason } });
  }

  return {
    async createSession(s) {
      const now = new Date();
      await raw(Session).insertOne({
        _id: s.id, user_id: s.user_id, revoked_at: null, revoked_reason: null, expires_at: s.expires_at, created_at: now,
        device: s.device ?? null, ip: s.ip ?? null, last_used_at: now,
      });
    },

    async session(id) {
      const doc = await Session.findById(id).lean<SessionDoc>();
      return doc ? toSession(doc) : null;
    },

    async sessions(ids) {
      if (ids.length === 0) return [];
      return (await Session.find({ _id: { $in: [...ids] } }).lean<SessionDoc[]>()).map(toSession);
    },

    async sessionsOf(userId) {
      return (await Session.find({ user_id: userId }).sort({ created_at: -1, _id: -1 }).lean<SessionDoc[]>()).map(toSession);
    },

    async extendSession(id, expiresAt) {
      await Session.updateOne({ _id: id }, { $set: { expires_at: expiresAt } });
    },

    async touchSession(id, at, client) {
      // $max: forward only, so a late write from another node never moves it back (and sets a missing one).
      await Session.updateOne({ _id: id }, { $max: { last_used_at: at }, ...(client ? { $set: { device: client.device, ip: client.ip } } : {}) });
    },

    async touchSessions(ids, at) {
      if (ids.length === 0) return;
      await Session.updateMany({ _id: { $in: [...new Set(ids)] } }, { $max: { last_used_at: at } });
    },

    async revokeSession(id, reason, at) {
      const s = await Session.findById(id, { revoked_at: 1, expires_at: 1 }).lean<Pick<SessionDoc, "revoked_at" | "expires_at">>();
      if (!s || s.revoked_at) return false;
      // The claim decides which caller revoked it; its reason and time are the ones stored.
      if (await claims.take(revocation(id), reason, at, s.expires_at)) {
        await markRevoked(id, reason, at);
        return true;
      }
      // Another caller's claim: if its writer died before marking the session, finish it
      // (with that claim's values, so racing with a live writer changes nothing).
      const c = await claims.get(revocation(id));
      if (c && claims.settled(c)) await markRevoked(id, c.value, c.at);
      return false;
    },

    async addRefreshToken(t) {
      await raw(RefreshToken).insertOne({ _id: t.id, session_id: t.session_id, user_id: t.user_id, expires_at: t.expires_at });
    },

    async refreshToken(id) {
      const [doc, claim] = await Promise.all([RefreshToken.findById(id).lean<RefreshTokenDoc>(), RefreshClaim.findById(id).lean<RefreshClaimDoc>()]);
      return doc ? toRefreshToken(doc, claim) : null;
    },

    async claimRefreshToken(id, at) {
      const t = await RefreshToken.findById(id, { expires_at: 1 }).lean<Pick<RefreshTokenDoc, "expires_at">>();
      if (!t) return false;
      return inserted(raw(RefreshClaim).insertOne({ _id: id, at, expires_at: t.expires_at }));
    },

    async pruneExpired(now) {
      const expired = { expires_at: { $lt: now } };
      const [s, t] = await Promise.all([Session.deleteMany(expired), RefreshToken.deleteMany(expired)]);
      // Claims go with what they guard (not counted: they are not rows of the contract).
      await Promise.all([RefreshClaim.deleteMany(expired), d.Claim.deleteMany(expired)]);
      return s.deletedCount + t.deletedCount;
    },
  };
}
