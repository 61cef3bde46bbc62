// A minimal metrics registry rendered as Prometheus text. Counters and gauges are plain numbers;
// histograms keep cumulative bucket counts plus a small reservoir of recent samples for p50/p99.

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  private readonly recent: number[] = [];
  private recentPos = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    private readonly recentSize = 2048,
  ) {
    this.counts = new Array(buckets.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
    if (this.recent.length < this.recentSize) this.recent.push(value);
    else {
      this.recent[this.recentPos] = value;
      this.recentPos = (this.recentPos + 1) % this.recentSize;
    }
  }

  /** Quantile over the recent reservoir (0 when empty). */
  quantile(q: number): number {
    if (this.recent.length === 0) return 0;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

export class ReplicaMetrics {
  proposals = 0;
  proposalsFailed = 0;
  leaderChanges = 0;
  appliedEntries = 0;
  readsServed = 0;
  syncs = 0;
  /** Raft messages handed to the transport. */
  raftMessagesSent = 0;
  readonly fsyncLatencyMs = new Histogram('atlas_fsync_latency_ms', 'Time to make one batch durable', LATENCY_BUCKETS_MS);
  readonly applyLatencyMs = new Histogram('atlas_apply_latency_ms', 'Time to apply one batch of committed entries', LATENCY_BUCKETS_MS);
  readonly commitLatencyMs = new Histogram('atlas_commit_latency_ms', 'Proposal to apply on the leader', LATENCY_BUCKETS_MS);
  readonly batchEntries = new Histogram('atlas_batch_entries', 'Entries persisted per sync', [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
}
