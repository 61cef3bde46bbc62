import type { History, HistoryEntry, KvOp } from './history.ts';

/**
 * P-compositionality: a history is linearizable iff each sub-history over an independent set of
 * keys is. Keys are independent unless one operation touches both (a multi-key txn), so the sets are
 * the connected components of "touched by the same operation".
 */
export interface Partition {
  /** Sorted; empty only for the partition of txns that touch no key. */
  readonly keys: readonly string[];
  /** In the order of the input history. */
  readonly entries: readonly HistoryEntry[];
}

/** Every key an operation reads, compares or writes, without duplicates. */
export function keysOf(op: KvOp): string[] {
  if (op.type !== 'txn') return [op.key];
  const keys = new Set<string>();
  for (const compare of op.compare) keys.add(compare.key);
  for (const step of op.success) keys.add(step.key);
  for (const step of op.failure) keys.add(step.key);
  return [...keys];
}

/** Splits a history into independent partitions, ordered by their first key. */
export function partitionHistory(history: History): Partition[] {
  const roots = new UnionFind();
  for (const entry of history) {
    const [first, ...rest] = keysOf(entry.op);
    if (first === undefined) continue;
    roots.add(first);
    for (const key of rest) roots.union(first, key);
  }

  const byRoot = new Map<string, { keys: string[]; entries: HistoryEntry[] }>();
  const keyless: HistoryEntry[] = [];
  for (const key of roots.keys()) {
    const root = roots.find(key);
    let group = byRoot.get(root);
    if (group === undefined) byRoot.set(root, (group = { keys: [], entries: [] }));
    group.keys.push(key);
  }
  for (const entry of history) {
    const first = keysOf(entry.op)[0];
    if (first === undefined) keyless.push(entry);
    else byRoot.get(roots.find(first))!.entries.push(entry);
  }

  const partitions: Partition[] = [...byRoot.values()].map((group) => ({
    keys: group.keys.sort(),
    entries: group.entries,
  }));
  partitions.sort((a, b) => (a.keys[0]! < b.keys[0]! ? -1 : 1));
  if (keyless.length > 0) partitions.push({ keys: [], entries: keyless });
  return partitions;
}

/** Disjoint sets of keys with path halving and union by size. */
class UnionFind {
  readonly #parent = new Map<string, string>();
  readonly #size = new Map<string, number>();

  add(key: string): void {
    if (this.#parent.has(key)) return;
    this.#parent.set(key, key);
    this.#size.set(key, 1);
  }

  keys(): IterableIterator<string> {
    return this.#parent.keys();
  }

  find(key: string): string {
    let current = key;
    for (;;) {
      const parent = this.#parent.get(current)!;
      if (parent === current) return current;
      const grandparent = this.#parent.get(parent)!;
      this.#parent.set(current, grandparent);
      current = grandparent;
    }
  }

  union(a: string, b: string): void {
    this.add(a);
    this.add(b);
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if (this.#size.get(rootA)! < this.#size.get(rootB)!) [rootA, rootB] = [rootB, rootA];
    this.#parent.set(rootB, rootA);
    this.#size.set(rootA, this.#size.get(rootA)! + this.#size.get(rootB)!);
  }
}
