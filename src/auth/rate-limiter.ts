// Rate limiting behind one interface with a memory and a Redis implementation, so
// limits hold across cluster nodes when Redis is there and still work without it.
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
  redis?: Redis;
}

export function createRateLimiter(o: RateLimitOptions): RateLimiter {
  const limiter: RateLimiterAbstract = o.redis
    ? new RateLimiterRedis({
        storeClient: o.redis,
        keyPrefix: `rl:${o.name}`,
        points: o.points,
        duration: o.durationSec,
        // If Redis is briefly down, fall back to per-process limits instead of failing requests.
        insuranceLimiter: new RateLimiterMemory({ points: o.points, duration: o.durationSec }),
      })
    : new RateLimiterMemory({ keyPrefix: o.name, points: o.points, duration: o.durationSec });
  return {
    async consume(key, points = 1) {
      try {
        await limiter.consume(key, points);
      } catch (res) {
        if (res instanceof RateLimiterRes) {
          const retry = Math.ceil(res.msBeforeNext / 1000);
          throw new AppError("rate_limited", `Too many attempts; retry in ${retry} s`, { retry_after_sec: retry });
        }
        throw res;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
