// JWT issue and verification. The algorithm is pinned, access and refresh tokens use
// separate secrets and a `typ` claim, and issuer/audience are checked, so one kind of
// token is never accepted where the other is expected.
import { createSecretKey, randomUUID, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { AppError } from "../shared/errors.ts";

export interface TokenSettings {
  accessSecret: string;
  refreshSecret: string;
  issuer: string;
  audience: string;
  accessTtlSec: number;
  refreshTtlSec: number;
}

export interface AccessClaims {
  sub: string;
  sid: string; // the refresh-token family, so logout knows which session to end
  /** Expiry, in seconds since the epoch (a socket must present a fresh token before then). */
  exp: number;
}
export interface RefreshClaims {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

const ALG = "HS256" as const;

export function createTokenService(s: TokenSettings) {
  // Key objects made once: given a string, jsonwebtoken first tries it as a PEM public key
  // and builds (and throws away) an Error before falling back to an HMAC key, on every
  // verify; that was most of the handshake's CPU in a reconnect storm.
  const accessKey = createSecretKey(Buffer.from(s.accessSecret));
  const refreshKey = createSecretKey(Buffer.from(s.refreshSecret));

  const sign = (payload: object, secret: KeyObject, ttl: number, subject: string, jwtid?: string) =>
    jwt.sign(payload, secret, {
      algorithm: ALG,
      expiresIn: ttl,
      issuer: s.issuer,
      audience: s.audience,
      subject,
      ...(jwtid ? { jwtid } : {}),
    });

  function verify(token: string, secret: KeyObject, typ: "access" | "refresh"): jwt.JwtPayload {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, secret, { algorithms: [ALG], issuer: s.issuer, audience: s.audience });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError("token_expired", `The ${typ} token has expired`);
      throw new AppError("unauthorized", `Invalid ${typ} token`);
    }
    if (typeof payload === "string" || payload.typ !== typ || typeof payload.sub !== "string") {
      throw new AppError("unauthorized", `Invalid ${typ} token: wrong token type`);
    }
    return payload;
  }

  return {
    accessTtlSec: s.accessTtlSec,
    refreshTtlSec: s.refreshTtlSec,
    issueAccess(userId: string, sid: string): string {
      return sign({ typ: "access", sid }, accessKey, s.accessTtlSec, userId);
    },
    issueRefresh(userId: string, sid: string): { token: string; jti: string; expiresAt: Date } {
      const jti = randomUUID();
      const token = sign({ typ: "refresh", sid }, refreshKey, s.refreshTtlSec, userId, jti);
      return { token, jti, expiresAt: new Date(Date.now() + s.refreshTtlSec * 1000) };
    },
    verifyAccess(token: string): AccessClaims {
      const p = verify(token, accessKey, "access");
      return { sub: p.sub!, sid: String(p.sid ?? ""), exp: Number(p.exp ?? 0) };
    },
    verifyRefresh(token: string): RefreshClaims {
      const p = verify(token, refreshKey, "refresh");
      if (typeof p.jti !== "string" || typeof p.sid !== "string") throw new AppError("unauthorized", "Invalid refresh token");
      return { sub: p.sub!, sid: p.sid, jti: p.jti, exp: p.exp ?? 0 };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
