// "Only the first caller wins" without an atomic update: FerretDB v1 applies a conditional
// update as read-then-write (two callers can both see modifiedCount 1), so each such
// decision is an insert under a unique _id in `claims`, and the state change the claim
// allows is written after it. A claim whose follow-up write is not visible after
// SETTLE_MS belongs to a process that died in between; the next caller finishes or undoes
// it (each use says which).
import type { Model } from "mongoose";
import { inserted } from "./errors.ts";
import { raw, type ClaimDoc } from "./schemas.ts";

export const SETTLE_MS = 10_000;

export function createClaims(Claim: Model<ClaimDoc>) {
  return {
    /** Inserts the claim; true when this call made it, false when it existed. */
    take(id: string, value: string, at: Date, expiresAt: Date | null = null): Promise<boolean> {
      return inserted(raw(Claim).insertOne({ _id: id, value, at, taken_at: new Date(), expires_at: expiresAt }));
    },
    get(id: string): Promise<ClaimDoc | null> {
      return Claim.findById(id).lean<ClaimDoc>().exec();
    },
    /** Deletes the claim if it still holds `value` (and is the one taken at `takenAt`, when given). */
    async release(id: string, value: string, takenAt?: Date): Promise<void> {
      await Claim.deleteOne(takenAt ? { _id: id, value, taken_at: takenAt } : { _id: id, value });
    },
    /** True when the claim is old enough that its follow-up write should be visible. */
    settled(c: ClaimDoc, now = Date.now()): boolean {
      return now - c.taken_at.getTime() > SETTLE_MS;
    },
  };
}

export type Claims = ReturnType<typeof createClaims>;
