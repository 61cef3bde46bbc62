// The clients of a fault run: N concurrent closed-loop HTTP clients doing gets, puts, compare-and-
// swaps and deletes on a handful of keys, each request sent to a replica or the gateway picked at
// random, with a realistic timeout. Every operation is recorded (kv-client.ts) for the checker.
// Keys belong to the current key set, which the runner switches at every cycle.

import { seededRng, type Rng } from '../../actors/raft/rand.ts';
import type { HistoryRecorder } from './checker/history.ts';
import { KvClient, type ReadConsistency } from './kv-client.ts';

export interface WorkloadOptions {
  readonly recorder: HistoryRecorder;
  readonly clients: number;
  /** URLs requests go to (replicas and the gateway); one is drawn per request. */
  readonly targets: () => readonly string[];
  readonly seed: number;
  readonly timeoutMs: number;
  readonly readConsistency?: ReadConsistency;
  /** Pause between a client's operations, drawn uniformly in [0, thinkMs]. */
  readonly thinkMs?: number;
  /** Told where each operation went and what came back (see KvClient). */
  readonly onSent?: (entryId: number, url: string, answer: number | 'refused' | 'unknown') => void;
}

/** Operation mix: get 40%, put 25%, cas 25%, delete 10%. */
const MIX = { get: 0.4, put: 0.25, cas: 0.25 } as const;

export class Workload {
  #keys: readonly string[] = [];
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #allKeys = new Set<string>();

  constructor(private readonly opts: WorkloadOptions) {}

  /** The key set clients use from now on. */
  setKeys(keys: readonly string[]): void {
    this.#keys = [...keys];
    for (const key of keys) this.#allKeys.add(key);
  }

  /** Every key ever used, in first-use order. */
  get keys(): readonly string[] {
    return [...this.#allKeys];
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = Array.from({ length: this.opts.clients }, (_, p) => this.#client(p));
  }

  /** Stops issuing operations and waits for the ones in flight (at most one timeout). */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /**
   * After the last heal: one linearizable read of every key ever used, through `url`, retried until
   * it answers (each attempt is recorded). Catches writes lost after their cycle ended.
   */
  async finalReads(url: () => string, deadlineMs: number): Promise<{ read: number; unread: string[] }> {
    const kv = new KvClient({
      recorder: this.opts.recorder,
      process: 'final',
      url,
      timeoutMs: this.opts.timeoutMs,
      ...(this.opts.onSent ? { onSent: this.opts.onSent } : {}),
    });
    const unread: string[] = [];
    let read = 0;
    for (const key of this.keys) {
      let done = false;
      while (!done && Date.now() < deadlineMs) {
        done = (await kv.get(key)) !== null;
        if (!done) await sleep(200);
      }
      if (done) read++;
      else unread.push(key);
    }
    return { read, unread };
  }

  async #client(p: number): Promise<void> {
    const rng = seededRng((this.opts.seed ^ Math.imul(p + 1, 0x9e3779b1)) >>> 0);
    const targets = this.opts.targets;
    const kv = new KvClient({
      recorder: this.opts.recorder,
      process: p,
      url: () => pick(rng, targets()),
      timeoutMs: this.opts.timeoutMs,
      ...(this.opts.readConsistency ? { readConsistency: this.opts.readConsistency } : {}),
      ...(this.opts.onSent ? { onSent: this.opts.onSent } : {}),
    });
    let unique = 0;
    while (this.#running) {
      const keys = this.#keys;
      if (keys.length === 0) {
        await sleep(50);
        continue;
      }
      const key = pick(rng, keys);
      const roll = rng.next();
      if (roll < MIX.get) await kv.get(key);
      else if (roll < MIX.get + MIX.put) await kv.put(key, `p${p}-${unique++}`);
      else if (roll < MIX.get + MIX.put + MIX.cas) await kv.cas(key, `c${p}-${unique++}`);
      else await kv.delete(key);
      const thinkMs = this.opts.thinkMs ?? 10;
      if (thinkMs > 0) await sleep(rng.next() * thinkMs);
    }
  }
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.nextInt(items.length)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
