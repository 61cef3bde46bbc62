// The KV machine's limits. They are applied again when an entry is applied, so they are cluster-wide
// configuration: every replica must use the same values.

export interface KvLimits {
  /** Largest value, in bytes (413 too_large above it). */
  readonly maxValueBytes: number;
  /** Most compares, and most ops per branch, in one transaction. */
  readonly maxTxnOps: number;
  /** Largest total of value bytes (compares and ops) in one transaction. */
  readonly maxTxnBytes: number;
  /** Most keys in one expire command. */
  readonly maxExpireKeys: number;
  /** Longest TTL a put may ask for. */
  readonly maxTtlSeconds: number;
  /** Tombstones kept; the oldest deletes are forgotten first. */
  readonly maxTombstones: number;
}

export const DEFAULT_KV_LIMITS: KvLimits = {
  maxValueBytes: 1024 * 1024,
  maxTxnOps: 128,
  maxTxnBytes: 4 * 1024 * 1024,
  maxExpireKeys: 1000,
  maxTtlSeconds: 10 * 365 * 24 * 3600,
  maxTombstones: 10_000,
};
