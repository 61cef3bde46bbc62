// The exactly-once table: for each idempotency key, the outcome of the first entry that carried it.
// Replicated state (it is in the host's snapshot), so every operation here is deterministic: records
// expire by log time, never by a local clock, and are evicted oldest first when over the size bounds.

import { invariant } from './errors.ts';
import { isNonNegativeSafeInteger } from './codec.ts';

export interface DedupRecord {
  readonly idempotencyKey: string;
  readonly machine: string;
  /** fingerprint53 of the first command: a retry must carry the same command. */
  readonly fingerprint: number;
  /** Log index of the entry that was applied. */
  readonly firstIndex: number;
  /** Log time at which the record stops answering retries. */
  readonly expiresAtMs: number;
  /** Canonical msgpack of the recorded outcome ({ result, error? }). */
  readonly outcome: Uint8Array;
}

export interface DedupLimits {
  /** How long a key answers retries, in log time. */
  readonly ttlMs: number;
  /** Oldest records are evicted beyond this many. */
  readonly maxRecords: number;
  /** Oldest records are evicted when recorded outcomes exceed this many bytes in total. */
  readonly maxBytes: number;
}

export const DEFAULT_DEDUP_LIMITS: DedupLimits = {
  ttlMs: 10 * 60 * 1000,
  maxRecords: 100_000,
  maxBytes: 64 * 1024 * 1024,
};

/**
 * Records in insertion order. Log time never goes backwards and the TTL is fixed, so insertion order
 * is expiry order: pruning pops from the front. `lookup` also checks expiry, so a record that outlives
 * its slot (a TTL changed across restarts) is never served.
 */
export class DedupTable {
  private readonly records = new Map<string, DedupRecord>();
  private outcomeBytes = 0;

  constructor(readonly limits: DedupLimits = DEFAULT_DEDUP_LIMITS) {}

  get size(): number {
    return this.records.size;
  }

  get bytes(): number {
    return this.outcomeBytes;
  }

  /** The live record for `key` at log time `nowMs`, if any. */
  lookup(idempotencyKey: string, nowMs: number): DedupRecord | undefined {
    const record = this.records.get(idempotencyKey);
    return record && record.expiresAtMs > nowMs ? record : undefined;
  }

  /** Stores a record (replacing an expired one with the same key), then enforces the size bounds. */
  record(record: DedupRecord): void {
    this.remove(record.idempotencyKey);
    this.records.set(record.idempotencyKey, record);
    this.outcomeBytes += record.outcome.byteLength;
    for (const [key] of this.records) {
      if (this.records.size <= this.limits.maxRecords && this.outcomeBytes <= this.limits.maxBytes) break;
      if (key === record.idempotencyKey) break;
      this.remove(key);
    }
  }

  /** Drops records expired at log time `nowMs`. */
  prune(nowMs: number): void {
    for (const [key, record] of this.records) {
      if (record.expiresAtMs > nowMs) break;
      this.remove(key);
    }
  }

  /** Snapshot form: records in insertion order, as arrays. */
  toSnapshot(): unknown[] {
    return [...this.records.values()].map((r) => [
      r.idempotencyKey,
      r.machine,
      r.fingerprint,
      r.firstIndex,
      r.expiresAtMs,
      r.outcome,
    ]);
  }

  static fromSnapshot(data: unknown, limits: DedupLimits): DedupTable {
    invariant(Array.isArray(data), 'snapshot dedup table must be an array');
    const table = new DedupTable(limits);
    for (const row of data) {
      invariant(Array.isArray(row) && row.length === 6, 'snapshot dedup record must be a 6-tuple');
      const [idempotencyKey, machine, fingerprint, firstIndex, expiresAtMs, outcome] = row as unknown[];
      invariant(
        typeof idempotencyKey === 'string' &&
          typeof machine === 'string' &&
          isNonNegativeSafeInteger(fingerprint) &&
          isNonNegativeSafeInteger(firstIndex) &&
          isNonNegativeSafeInteger(expiresAtMs) &&
          outcome instanceof Uint8Array,
        'snapshot dedup record has invalid fields',
      );
      table.records.set(idempotencyKey, {
        idempotencyKey,
        machine,
        fingerprint,
        firstIndex,
        expiresAtMs,
        outcome: outcome.slice(),
      });
      table.outcomeBytes += outcome.byteLength;
    }
    return table;
  }

  private remove(key: string): void {
    const existing = this.records.get(key);
    if (!existing) return;
    this.records.delete(key);
    this.outcomeBytes -= existing.outcome.byteLength;
  }
}
