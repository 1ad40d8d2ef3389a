// A small log-linear latency histogram (the HDR idea, 64 sub-buckets per power of two,
// so any reported percentile is within ~1.6% of the true value). Values are integer
// microseconds. It serialises to sparse [index, count] pairs so that load-generator
// processes can send theirs over IPC and the orchestrator merges them exactly.

const SUB_BITS = 7; // 128 linear slots below 128 µs, then 64 per octave
const HALF = 1 << (SUB_BITS - 1);
const MAX_VALUE = 2 ** 32 - 1; // ~71 minutes in µs; anything slower is clamped
const SLOTS = (32 - SUB_BITS + 2) * HALF;

function indexOf(v: number): number {
  if (v < 1 << SUB_BITS) return v;
  const shift = 31 - Math.clz32(v) - (SUB_BITS - 1);
  return shift * HALF + (v >>> shift);
}

/** The highest value that maps to this slot (what HDR reports, so percentiles never under-state). */
function upperOf(idx: number): number {
  if (idx < 1 << SUB_BITS) return idx;
  const shift = Math.floor(idx / HALF) - 1;
  const sub = idx - shift * HALF;
  return (sub + 1) * 2 ** shift - 1;
}

export interface HistogramData {
  counts: [number, number][];
  total: number;
  max: number;
  sum: number;
}

export interface Summary {
  count: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

export class Histogram {
  private counts = new Float64Array(SLOTS);
  total = 0;
  max = 0;
  sum = 0;

  /** Records one value in microseconds (negative clock skew between processes counts as 0). */
  record(us: number) {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(us)));
    this.counts[indexOf(v)]! += 1;
    this.total += 1;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < SLOTS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.max);
    }
    return this.max;
  }

  merge(data: HistogramData) {
    for (const [i, c] of data.counts) this.counts[i]! += c;
    this.total += data.total;
    this.sum += data.sum;
    if (data.max > this.max) this.max = data.max;
  }

  toJSON(): HistogramData {
    const counts: [number, number][] = [];
    this.counts.forEach((c, i) => {
      if (c > 0) counts.push([i, c]);
    });
    return { counts, total: this.total, max: this.max, sum: this.sum };
  }

  reset() {
    this.counts.fill(0);
    this.total = this.max = this.sum = 0;
  }

  summary(): Summary {
    const ms = (us: number) => Math.round(us / 10) / 100;
    return {
      count: this.total,
      p50_ms: ms(this.percentile(50)),
      p99_ms: ms(this.percentile(99)),
      max_ms: ms(this.max),
      mean_ms: this.total ? ms(this.sum / this.total) : 0,
    };
  }

  static from(parts: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const p of parts) h.merge(p);
    return h;
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const nowMs = () => performance.timeOrigin + performance.now();
