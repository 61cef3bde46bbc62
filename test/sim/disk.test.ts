import { describe, expect, it } from 'vitest';
import { type Entry, EntryType, type Snapshot } from '../../actors/raft/types.ts';
import { SimDisk } from './disk.ts';

function entries(first: number, terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ({ index: first + i, term, lamport: first + i, type: EntryType.Command, data: new Uint8Array() }));
}

function durable(disk: SimDisk, write: { entries?: Entry[]; compacted?: Snapshot }): void {
  disk.submit({ hardState: null, installed: null, compacted: write.compacted ?? null, entries: write.entries ?? [] }, 0);
  disk.syncDue(0, () => undefined);
}

describe('SimDisk.durablyHolds', () => {
  it('holds an entry only with its term: a log as long with an older term there does not', () => {
    const disk = new SimDisk('n1');
    durable(disk, { entries: entries(1, [1, 1, 2]) });
    expect(disk.durablyHolds(3, 2)).toBe(true);
    expect(disk.durablyHolds(3, 3)).toBe(false);
    expect(disk.durablyHolds(4, 2)).toBe(false);
    expect(disk.durablyHolds(0, 0)).toBe(true);
  });

  it('counts a snapshot at or past the index as holding it', () => {
    const disk = new SimDisk('n1');
    durable(disk, { entries: entries(1, [1, 1, 2]) });
    const meta = { index: 2, term: 1, config: { voters: ['n1'], learners: [] }, lamport: 2 };
    durable(disk, { compacted: { meta, data: new Uint8Array() } });
    expect(disk.durablyHolds(1, 1)).toBe(true);
    expect(disk.durablyHolds(2, 1)).toBe(true);
    expect(disk.durablyHolds(3, 2)).toBe(true);
    expect(disk.durablyHolds(3, 1)).toBe(false);
  });
});
