// When a client may send an unanswered, retry-safe request again (nats-api-client.ts).
//
// An attempt goes unanswered for one of two reasons: it reached a member of the API queue group that
// no longer serves (a dead or frozen leader whose subscription nats-server still holds), or the
// leader is slow. Sending again helps only in the first case and in the second adds load to a leader
// that is already behind. So a retry is sent only while answers that do come back are quick (their
// moving average below a quarter of the attempt's wait: the silence is unlike the others), and within
// a budget: each request deposits `ratio` of a token, each retry takes one, the balance never exceeds
// `burst`. Either way, an attempt not sent again waits for the rest of its deadline.

export interface RetryPolicyOptions {
  /** Retries allowed per request sent, in the long run. */
  readonly ratio: number;
  /** Tokens at the start and at most: retries allowed at once with no requests before them. */
  readonly burst: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = { ratio: 1, burst: 100 };

/** Weight of the newest answer in the moving average of answer latency. */
const LATENCY_WEIGHT = 0.2;

export class RetryPolicy {
  private tokens: number;
  /** Moving average of answered attempts' latency; null before the first answer. */
  private latencyMs: number | null = null;

  constructor(private readonly options: RetryPolicyOptions = DEFAULT_RETRY_POLICY) {
    this.tokens = options.burst;
  }

  /** A request was sent for the first time. */
  sent(): void {
    this.tokens = Math.min(this.options.burst, this.tokens + this.options.ratio);
  }

  /** An attempt was answered `latencyMs` after it was sent. */
  answered(latencyMs: number): void {
    this.latencyMs = this.latencyMs === null ? latencyMs : this.latencyMs + LATENCY_WEIGHT * (latencyMs - this.latencyMs);
  }

  /** True (and a token spent) when an attempt unanswered after `waitedMs` may be sent again now. */
  mayRetry(waitedMs: number): boolean {
    if (this.latencyMs !== null && this.latencyMs >= waitedMs / 4) return false;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  get budget(): number {
    return this.tokens;
  }

  get averageLatencyMs(): number | null {
    return this.latencyMs;
  }
}
