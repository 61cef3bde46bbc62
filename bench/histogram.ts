// A latency histogram in the manner of HdrHistogram, without the dependency: values are integer
// microseconds; values below 256 µs are counted exactly, larger ones in log buckets of 128 per
// power of two, so every recorded value is reported within 1/128 (< 0.8 %) of itself. Values above
// MAX_TRACKABLE_US are counted in the last bucket. Percentiles report the highest value equivalent
// to the bucket they fall in (never below the true value), capped at the largest value recorded.

const SUB_BUCKET_BITS = 7;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS; // 128 buckets per power of two
const EXACT_LIMIT = 2 * SUB_BUCKET_COUNT; // 256: values below this have their own bucket
const TOP_POWER = 32; // values up to 2^32 - 1 µs (~71 minutes)
const EXACT_POWER = SUB_BUCKET_BITS + 1; // log2(EXACT_LIMIT)
export const MAX_TRACKABLE_US = 2 ** TOP_POWER - 1;
export const BUCKET_COUNT = EXACT_LIMIT + (TOP_POWER - EXACT_POWER) * SUB_BUCKET_COUNT;

/** The bucket a value (µs, clamped to [0, MAX_TRACKABLE_US], rounded) is counted in. */
export function bucketIndexOf(valueUs: number): number {
  const v = Math.min(MAX_TRACKABLE_US, Math.max(0, Math.round(valueUs)));
  if (v < EXACT_LIMIT) return v;
  const power = 31 - Math.clz32(v); // v in [2^power, 2^(power+1)), power >= 8
  const shift = power - SUB_BUCKET_BITS;
  const sub = Math.floor(v / 2 ** shift); // in [128, 256)
  return EXACT_LIMIT + (power - EXACT_POWER) * SUB_BUCKET_COUNT + (sub - SUB_BUCKET_COUNT);
}

/** The smallest and largest values (µs) counted in bucket `index`. */
export function bucketRangeOf(index: number): { lowUs: number; highUs: number } {
  if (index < EXACT_LIMIT) return { lowUs: index, highUs: index };
  const octave = Math.floor((index - EXACT_LIMIT) / SUB_BUCKET_COUNT);
  const sub = ((index - EXACT_LIMIT) % SUB_BUCKET_COUNT) + SUB_BUCKET_COUNT;
  const width = 2 ** (octave + 1);
  return { lowUs: sub * width, highUs: (sub + 1) * width - 1 };
}

export interface LatencySummaryMs {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sumUs = 0;
  private minUs = Infinity;
  private maxUs = 0;

  get count(): number {
    return this.total;
  }

  record(valueUs: number): void {
    const v = Math.min(MAX_TRACKABLE_US, Math.max(0, Math.round(valueUs)));
    this.counts[bucketIndexOf(v)]! += 1;
    this.total++;
    this.sumUs += v;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** Adds every value counted in `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sumUs += other.sumUs;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  /**
   * The value (µs) at `percentile` (0–100]: the smallest bucket holding at least
   * ceil(percentile% × count) of the values, reported as its highest value. 0 when empty.
   */
  percentileUs(percentile: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, percentile)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.max(this.minUs, Math.min(this.maxUs, bucketRangeOf(i).highUs));
    }
    return this.maxUs;
  }

  summaryMs(): LatencySummaryMs {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.total,
      minMs: this.total === 0 ? 0 : ms(this.minUs),
      meanMs: this.total === 0 ? 0 : ms(this.sumUs / this.total),
      p50Ms: ms(this.percentileUs(50)),
      p90Ms: ms(this.percentileUs(90)),
      p99Ms: ms(this.percentileUs(99)),
      p999Ms: ms(this.percentileUs(99.9)),
      maxMs: ms(this.maxUs),
    };
  }
}
