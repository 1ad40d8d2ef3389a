// Rate limiting behind one interface with a memory and a Redis implementation, so
// limits hold across cluster nodes when Redis is there and still work without it.
// Every refusal is a 429 `rate_limited` whose details say `retry_after_ms` (the error
// handler turns it into a Retry-After header).
import { isIPv6 } from "node:net";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Redis } from "../infra/redis.ts";
import { AppError } from "../shared/errors.ts";

export interface RateLimiter {
  /** Counts one hit; throws rate_limited with the retry delay once the budget is spent. */
  consume(key: string, points?: number): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface RateLimitOptions {
  name: string;
  points: number;
  durationSec: number;
  redis?: Redis | undefined;
}

function backend(o: RateLimitOptions): RateLimiterAbstract {
  return o.redis
    ? new RateLimiterRedis({
        storeClient: o.redis,
        keyPrefix: `rl:${o.name}`,
        points: o.points,
        duration: o.durationSec,
        // If Redis is briefly down, fall back to per-process limits instead of failing requests.
        insuranceLimiter: new RateLimiterMemory({ points: o.points, duration: o.durationSec }),
      })
    : new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration: o.durationSec });
}

function rateLimited(msBeforeNext: number): AppError {
  const ms = Math.max(1, Math.ceil(msBeforeNext));
  return new AppError("rate_limited", `Too many attempts; retry in ${Math.ceil(ms / 1000)} s`, { retry_after_ms: ms });
}

/** Runs a consume; a refusal becomes rate_limited with the library's delay. */
async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, points = 1, options?: { customDuration: number }) {
  try {
    return await limiter.consume(key, points, options);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw rateLimited(res.msBeforeNext);
    throw res;
  }
}

export function createRateLimiter(o: RateLimitOptions): RateLimiter {
  const limiter = backend(o);
  return {
    async consume(key, points = 1) {
      await consumeOrThrow(limiter, key, points);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

/**
 * The key a client address is counted under: an IPv4 address as is (an IPv4-mapped IPv6
 * address as its IPv4), an IPv6 address by its /64, the block one subscriber usually
 * gets, so that rotating addresses inside it buys no fresh budget.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = "", tail = ""] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

/**
 * Failed-login throttling that slows a password guesser down without letting anyone lock
 * the owner out (OWASP Authentication Cheat Sheet): attempts are limited per IP and per
 * (phone, IP) pair, and a phone that keeps failing from anywhere gets a growing minimum
 * interval between attempts, capped at a few seconds and answered with a 429 that says
 * when to retry (never a sleep holding the request). Failures from other addresses
 * therefore never spend the owner's own budget; at worst they make the owner wait out
 * one interval.
 */
export interface LoginThrottle {
  /** Before the password is checked; throws rate_limited (429, retry_after_ms) when the caller must wait. */
  attempt(phone: string, ip: string): Promise<void>;
  /** After a correct password: the phone's failures and this pair's are forgotten. */
  succeeded(phone: string, ip: string): Promise<void>;
  /**
   * After an attempt on this phone was refused: true for the first refusal of a burst (once
   * per window, on every node together, until the next successful login), so the owner's
   * audit log gets one line per burst of guesses rather than one per refused guess.
   */
  burstStarted(phone: string): Promise<boolean>;
  /** Attempts on this phone (from anywhere) since its last successful login, within the window. */
  attemptsOn(phone: string): Promise<number>;
}

export interface LoginThrottleOptions {
  /** Attempts per IP per window, right or wrong. */
  maxPerIp: number;
  /** Failed attempts per (phone, IP) pair per window; also the failures a phone takes before delays start. */
  maxPerPhoneIp: number;
  windowSec: number;
  /** The first interval once the free failures are spent; it doubles with each further failure... */
  delayBaseMs: number;
  /** ...up to this. 0 turns the per-phone delay off. */
  delayMaxMs: number;
  redis?: Redis | undefined;
}

// Attempts on one phone since its last successful login are counted, never refused.
const UNLIMITED = 1_000_000_000;

export function createLoginThrottle(o: LoginThrottleOptions): LoginThrottle {
  const { redis } = o;
  const byIp = backend({ name: "login-ip", points: o.maxPerIp, durationSec: o.windowSec, redis });
  const byPair = backend({ name: "login-phone-ip", points: o.maxPerPhoneIp, durationSec: o.windowSec, redis });
  const byPhone = backend({ name: "login-phone", points: UNLIMITED, durationSec: o.windowSec, redis });
  // One attempt per interval on a phone: a key that holds one point for the interval.
  const phoneSlot = backend({ name: "login-phone-slot", points: 1, durationSec: 1, redis });
  const burst = backend({ name: "login-phone-burst", points: 1, durationSec: o.windowSec, redis });
  const pairKey = (phone: string, ip: string) => `${phone}|${clientKey(ip)}`;

  function intervalSec(attemptsOnPhone: number): number {
    const beyond = attemptsOnPhone - o.maxPerPhoneIp;
    if (beyond <= 0 || o.delayMaxMs <= 0) return 0;
    const ms = Math.min(o.delayMaxMs, o.delayBaseMs * 2 ** Math.min(beyond - 1, 30));
    // The Redis store keeps whole seconds (it would drop a shorter expiry altogether).
    return o.redis ? Math.max(1, Math.ceil(ms / 1000)) : ms / 1000;
  }

  return {
    async attempt(phone, ip) {
      await consumeOrThrow(byIp, clientKey(ip));
      await consumeOrThrow(byPair, pairKey(phone, ip));
      // Counted before the password is checked, so that concurrent guesses each see the
      // ones before them; the slot is taken atomically, so only one gets through per interval.
      const attempts = (await byPhone.consume(phone)).consumedPoints;
      const interval = intervalSec(attempts);
      if (interval === 0) return;
      try {
        await consumeOrThrow(phoneSlot, phone, 1, { customDuration: interval });
      } catch (err) {
        // A refused attempt checked nothing: it costs neither the pair nor the phone.
        await Promise.all([byPair.reward(pairKey(phone, ip)), byPhone.reward(phone)]);
        throw err;
      }
    },
    async succeeded(phone, ip) {
      await Promise.all([byPair.delete(pairKey(phone, ip)), byPhone.delete(phone), phoneSlot.delete(phone), burst.delete(phone)]);
    },
    async burstStarted(phone) {
      try {
        await burst.consume(phone);
        return true;
      } catch (res) {
        if (res instanceof RateLimiterRes) return false;
        throw res;
      }
    },
    async attemptsOn(phone) {
      return (await byPhone.get(phone))?.consumedPoints ?? 0;
    },
  };
}

export interface ThrottleLimits {
  loginMaxPerIp: number;
  loginMaxPerPhone: number;
  loginWindowSec: number;
  loginDelayBaseMs: number;
  loginDelayMaxMs: number;
  registerMaxPerHour: number;
  lookupMaxPerMin: number;
  lookupMaxPerMinPerIp: number;
  uploadMaxPerMin: number;
  reportMaxPerHour: number;
}

/** Every throttle that protects the REST surface from guessing and enumeration. */
export function createThrottles(limits: ThrottleLimits, redis?: Redis) {
  return {
    login: createLoginThrottle({
      maxPerIp: limits.loginMaxPerIp,
      maxPerPhoneIp: limits.loginMaxPerPhone,
      windowSec: limits.loginWindowSec,
      delayBaseMs: limits.loginDelayBaseMs,
      delayMaxMs: limits.loginDelayMaxMs,
      redis,
    }),
    /** Registrations per IP per hour: each costs a bcrypt hash and creates an account. */
    registerByIp: createRateLimiter({ name: "register-ip", points: limits.registerMaxPerHour, durationSec: 3600, redis }),
    /** Lookups per user and per IP per minute: phone numbers must not be enumerable. */
    lookupByUser: createRateLimiter({ name: "lookup-user", points: limits.lookupMaxPerMin, durationSec: 60, redis }),
    lookupByIp: createRateLimiter({ name: "lookup-ip", points: limits.lookupMaxPerMinPerIp, durationSec: 60, redis }),
    /** Uploads per user per minute: each costs disk (or Cloudinary) and, for images, CPU. */
    uploadsByUser: createRateLimiter({ name: "upload-user", points: limits.uploadMaxPerMin, durationSec: 60, redis }),
    /** Account exports per user per hour: each reads the whole account. */
    exportByUser: createRateLimiter({ name: "export-user", points: 1, durationSec: 3600, redis }),
    /** Reports per reporter per hour: each is read by people (a group's managers, operators), and may reach them live. */
    reportsByUser: createRateLimiter({ name: "report-user", points: limits.reportMaxPerHour, durationSec: 3600, redis }),
  };
}
export type Throttles = ReturnType<typeof createThrottles>;
