// Password hashing behind a small interface so tests and benchmarks can pick the cost.
import bcrypt from "bcrypt";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

export function bcryptHasher(rounds: number): PasswordHasher {
  // Compared against when the phone is unknown, so a miss costs as much as a wrong password.
  const dummy = bcrypt.hashSync("timing-equalizer", rounds);
  return {
    hash: (password) => bcrypt.hash(password, rounds),
    verify: (password, hash) => bcrypt.compare(password, hash || dummy),
  };
}

/** bcrypt reads at most 72 bytes; longer inputs are refused rather than silently truncated. */
export const BCRYPT_MAX_BYTES = 72;
