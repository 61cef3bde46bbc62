// A closed-loop write load over HTTP for integration tests: each worker PUTs unique keys through the
// replicas in turn and records every acknowledged write and the time of every outcome.

export interface WriteOutcome {
  /** When the request was sent and when its outcome arrived. */
  readonly startedAt: number;
  readonly at: number;
  readonly ok: boolean;
  /** The key written and the replica URL the request went to. */
  readonly key: string;
  readonly url: string;
}

export interface WriteLoadResult {
  readonly acked: Map<string, string>;
  /** Every key a request was sent for, acknowledged or not. */
  readonly attempted: Set<string>;
  readonly attempts: number;
  readonly outcomes: WriteOutcome[];
}

export interface WriteLoad {
  stop(): Promise<WriteLoadResult>;
  /** When the first write sent after `since` was acknowledged, or null. */
  firstAckAfter(since: number): number | null;
  readonly acked: Map<string, string>;
}

export function startWriteLoad(urls: () => readonly string[], opts: { concurrency?: number; prefix?: string; timeoutMs?: number } = {}): WriteLoad {
  const acked = new Map<string, string>();
  const outcomes: WriteOutcome[] = [];
  const attempted = new Set<string>();
  let attempts = 0;
  let running = true;
  const prefix = opts.prefix ?? 'w';
  const worker = async (w: number) => {
    let n = 0;
    while (running) {
      const list = urls();
      const url = list[(w + n) % list.length]!;
      const key = `${prefix}-${w}-${n++}`;
      const value = `v${n}`;
      attempts++;
      attempted.add(key);
      const startedAt = Date.now();
      let ok = false;
      try {
        const res = await fetch(`${url}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000) });
        ok = res.status === 200;
        await res.arrayBuffer();
      } catch {
        ok = false;
      }
      outcomes.push({ startedAt, at: Date.now(), ok, key, url });
      if (ok) acked.set(key, value);
      else await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = Array.from({ length: opts.concurrency ?? 8 }, (_, w) => worker(w));
  return {
    acked,
    firstAckAfter(since) {
      const hit = outcomes.find((o) => o.ok && o.startedAt > since);
      return hit ? hit.at : null;
    },
    async stop() {
      running = false;
      await Promise.all(workers);
      return { acked, attempted, attempts, outcomes };
    },
  };
}

/** Reads every key under `prefix` linearizably through `url`, following pagination. */
export async function readAll(url: string, prefix: string, opts: { consistency?: 'stale' } = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let after: string | null = null;
  for (;;) {
    const q = new URLSearchParams({ prefix, limit: '1000', ...(after ? { after } : {}), ...(opts.consistency ? { consistency: opts.consistency } : {}) });
    const res = await fetch(`${url}/v1/kv?${q}`);
    if (res.status !== 200) throw new Error(`list failed: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { items: { key: string; value: string }[]; next: string | null };
    for (const item of page.items) out.set(item.key, item.value);
    if (!page.next) return out;
    after = page.next;
  }
}

/** Asserts every acknowledged write is present with its value; returns the missing keys. */
export function missingWrites(acked: Map<string, string>, present: Map<string, string>): string[] {
  const missing: string[] = [];
  for (const [k, v] of acked) if (present.get(k) !== v) missing.push(k);
  return missing;
}
