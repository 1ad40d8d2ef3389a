// Operators: the user ids ADMIN_USER_IDS lists. They list and resolve every report and are
// the only ones who act on accounts (suspension). Anyone else gets 403 on /api/admin.
import { forbidden } from "../shared/errors.ts";

export interface Operators {
  is(userId: string): boolean;
  /** Throws 403 unless the user is an operator. */
  assert(userId: string): void;
}

export function createOperators(ids: ReadonlySet<string>): Operators {
  return {
    is: (userId) => ids.has(userId),
    assert(userId) {
      if (!ids.has(userId)) throw forbidden("Only operators (ADMIN_USER_IDS) can do that");
    },
  };
}
