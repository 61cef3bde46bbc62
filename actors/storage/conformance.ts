// The LogStore contract as executable cases, run against every backend (memory, files, Durable
// Objects). Web-standard and framework-free: a case throws an Error with a clear message on failure.
//
// A harness opens a fresh, empty store per case and simulates a crash: `crashAndReopen` must lose
// every write whose sync had not resolved and return a new, not yet loaded store over the same data.
// The file backend's harness uses small segments so that several cases cross segment boundaries.

import { EntryType, type Entry, type HardState, type RestoredState, type Snapshot } from '../raft/types.ts';
import type { LogStore } from './types.ts';

export interface LogStoreHarness {
  open(): Promise<LogStore>;
  crashAndReopen(store: LogStore): Promise<LogStore>;
}

export interface LogStoreConformanceCase {
  readonly name: string;
  run(harness: LogStoreHarness): Promise<void>;
}

// --- helpers -------------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** Entry `index` of `term`; its data names both, padded to `dataBytes` so entries vary in size. */
export function makeEntry(index: number, term: number, dataBytes = 24): Entry {
  const text = `entry ${index} term ${term} `.padEnd(dataBytes, '.');
  return { index, term, lamport: index * 3 + term, type: EntryType.Command, data: encoder.encode(text) };
}

export function makeEntries(from: number, to: number, term: number, dataBytes?: number): Entry[] {
  const entries: Entry[] = [];
  for (let index = from; index <= to; index++) entries.push(makeEntry(index, term, dataBytes));
  return entries;
}

function makeSnapshot(index: number, term: number, dataBytes = 64): Snapshot {
  const data = new Uint8Array(dataBytes).map((_, i) => (i * 7 + index) & 0xff);
  return {
    meta: { index, term, lamport: index * 3 + term, config: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } },
    data,
  };
}

function render(value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
    return `Uint8Array(${value.byteLength}:${head}${value.byteLength > 16 ? '…' : ''})`;
  }
  if (Array.isArray(value)) {
    const items = value.length > 6 ? [...value.slice(0, 3), '…', ...value.slice(-2)] : value;
    return `[${items.map((item) => (item === '…' ? '…' : render(item))).join(', ')}](${value.length})`;
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${render(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

/** First difference between two values as a path, or null when structurally equal. */
function difference(actual: unknown, expected: unknown, path: string): string | null {
  if (actual instanceof Uint8Array || expected instanceof Uint8Array) {
    if (!(actual instanceof Uint8Array && expected instanceof Uint8Array)) return path;
    if (actual.byteLength !== expected.byteLength) return `${path}.byteLength`;
    for (let i = 0; i < actual.byteLength; i++) if (actual[i] !== expected[i]) return `${path}[${i}]`;
    return null;
  }
  if (Array.isArray(actual) || Array.isArray(expected)) {
    if (!(Array.isArray(actual) && Array.isArray(expected))) return path;
    if (actual.length !== expected.length) return `${path}.length`;
    for (let i = 0; i < actual.length; i++) {
      const inner = difference(actual[i], expected[i], `${path}[${i}]`);
      if (inner !== null) return inner;
    }
    return null;
  }
  if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object') {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const key of keys) {
      const inner = difference(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (inner !== null) return inner;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : path;
}

export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const at = difference(actual, expected, '');
  if (at !== null) {
    throw new Error(`${what}: differs at ${at || '(root)'}: expected ${render(expected)}, got ${render(actual)}`);
  }
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Crashes `store`, reopens it and loads: the new store and what it loaded. */
async function reopenAndLoad(
  harness: LogStoreHarness,
  store: LogStore,
): Promise<{ store: LogStore; state: RestoredState }> {
  const reopened = await harness.crashAndReopen(store);
  return { store: reopened, state: await reopened.load() };
}

async function openLoaded(harness: LogStoreHarness): Promise<LogStore> {
  const store = await harness.open();
  await store.load();
  return store;
}

const hardState = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });

// --- cases ---------------------------------------------------------------------------------------

export const logStoreConformanceCases: LogStoreConformanceCase[] = [
  {
    name: 'an empty store loads the zero hard state, no snapshot and no entries',
    async run(h) {
      const store = await h.open();
      assertEqual(await store.load(), { hardState: hardState(0, null, 0), snapshot: null, entries: [] }, 'fresh load');
      const { state } = await reopenAndLoad(h, store);
      assertEqual(state, { hardState: hardState(0, null, 0), snapshot: null, entries: [] }, 'reload of empty store');
    },
  },
  {
    name: 'appended entries load back identically after a crash',
    async run(h) {
      const store = await openLoaded(h);
      const entries: Entry[] = [
        { index: 1, term: 1, lamport: 0, type: EntryType.Noop, data: new Uint8Array(0) },
        { index: 2, term: 1, lamport: 2 ** 53 - 1, type: EntryType.Config, data: new Uint8Array([0, 255, 1]) },
        ...makeEntries(3, 40, 2),
        { index: 41, term: 2 ** 40, lamport: 7, type: EntryType.Command, data: new Uint8Array(3000).fill(0xab) },
      ];
      store.append(entries.slice(0, 10));
      store.append(entries.slice(10));
      await store.sync();
      const { state } = await reopenAndLoad(h, store);
      assertEqual(state.entries, entries, 'entries after reopen');
      assert(state.snapshot === null, 'no snapshot expected');
    },
  },
  {
    name: 'load in the same process sees writes that are not synced yet',
    async run(h) {
      const store = await openLoaded(h);
      store.append(makeEntries(1, 5, 1));
      await store.sync();
      store.append(makeEntries(4, 8, 2));
      store.setHardState(hardState(2, 'n2', 3));
      const state = await store.load();
      assertEqual(state.entries, [...makeEntries(1, 3, 1), ...makeEntries(4, 8, 2)], 'entries seen by load');
      assertEqual(state.hardState, hardState(2, 'n2', 3), 'hard state seen by load');
    },
  },
  {
    name: 'hard state round-trips; the latest synced value wins',
    async run(h) {
      let store = await openLoaded(h);
      store.setHardState(hardState(1, null, 0));
      store.setHardState(hardState(3, 'nœud-2 ✓', 0));
      await store.sync();
      let state: RestoredState;
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.hardState, hardState(3, 'nœud-2 ✓', 0), 'hard state after first reopen');
      store.append(makeEntries(1, 9, 3));
      store.setHardState(hardState(2 ** 53 - 1, null, 9));
      await store.sync();
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.hardState, hardState(2 ** 53 - 1, null, 9), 'hard state after second reopen');
    },
  },
  {
    name: 'appending at or below the last index discards the stored suffix',
    async run(h) {
      const store = await openLoaded(h);
      store.append(makeEntries(1, 10, 1));
      await store.sync();
      store.append(makeEntries(6, 8, 2));
      await store.sync();
      // A truncation inside writes that were never synced.
      store.append(makeEntries(9, 12, 2));
      store.append(makeEntries(10, 11, 3));
      await store.sync();
      const { state } = await reopenAndLoad(h, store);
      const expected = [...makeEntries(1, 5, 1), ...makeEntries(6, 9, 2), ...makeEntries(10, 11, 3)];
      assertEqual(state.entries, expected, 'entries after truncations');
    },
  },
  {
    name: 'truncation across segment boundaries keeps the prefix and accepts new entries',
    async run(h) {
      let store = await openLoaded(h);
      for (let from = 1; from <= 120; from += 10) store.append(makeEntries(from, from + 9, 1, 80));
      await store.sync();
      store.append(makeEntries(7, 9, 2, 80));
      await store.sync();
      let state: RestoredState;
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.entries, [...makeEntries(1, 6, 1, 80), ...makeEntries(7, 9, 2, 80)], 'after deep truncation');
      store.append(makeEntries(10, 90, 2, 80));
      await store.sync();
      store.append(makeEntries(50, 52, 3, 80));
      await store.sync();
      ({ store, state } = await reopenAndLoad(h, store));
      const expected = [...makeEntries(1, 6, 1, 80), ...makeEntries(7, 49, 2, 80), ...makeEntries(50, 52, 3, 80)];
      assertEqual(state.entries, expected, 'after second truncation');
    },
  },
  {
    name: 'a snapshot discards the entries it covers and keeps the ones after it',
    async run(h) {
      let store = await openLoaded(h);
      store.append(makeEntries(1, 100, 1, 80));
      await store.sync();
      const before = store.sizeBytes();
      const snapshot = makeSnapshot(60, 1);
      store.saveSnapshot(snapshot);
      await store.sync();
      const after = store.sizeBytes();
      assert(after.log < before.log, `log bytes should shrink after compaction: ${before.log} -> ${after.log}`);
      assert(after.snapshot > 0, 'snapshot bytes should be counted');
      let state: RestoredState;
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.snapshot, snapshot, 'snapshot after reopen');
      assertEqual(state.entries, makeEntries(61, 100, 1, 80), 'entries after the snapshot');
      store.append(makeEntries(101, 110, 2, 80));
      store.saveSnapshot(makeSnapshot(105, 2));
      store.append(makeEntries(111, 112, 2, 80));
      await store.sync();
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.snapshot, makeSnapshot(105, 2), 'second snapshot');
      assertEqual(state.entries, makeEntries(106, 112, 2, 80), 'entries after the second snapshot');
    },
  },
  {
    name: 'a snapshot that conflicts with the log discards the whole log',
    async run(h) {
      let store = await openLoaded(h);
      store.append(makeEntries(1, 30, 1, 80));
      await store.sync();
      // Entry 20 has term 1 here; the snapshot says term 2.
      store.saveSnapshot(makeSnapshot(20, 2));
      assertEqual((await store.load()).entries, [], 'entries right after a conflicting snapshot');
      await store.sync();
      let state: RestoredState;
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.entries, [], 'entries after reopen');
      assertEqual(state.snapshot, makeSnapshot(20, 2), 'conflicting snapshot kept');
      store.append(makeEntries(21, 25, 2, 80));
      await store.sync();
      // A snapshot beyond the last index discards the log as well.
      store.saveSnapshot(makeSnapshot(40, 3));
      store.append(makeEntries(41, 43, 3, 80));
      await store.sync();
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.snapshot, makeSnapshot(40, 3), 'snapshot beyond the log');
      assertEqual(state.entries, makeEntries(41, 43, 3, 80), 'entries after the snapshot beyond the log');
    },
  },
  {
    name: 'a crash keeps every synced write and loses every unsynced one',
    async run(h) {
      const store = await openLoaded(h);
      store.append(makeEntries(1, 5, 1));
      store.setHardState(hardState(1, 'n1', 2));
      await store.sync();
      store.append(makeEntries(6, 8, 1));
      store.append(makeEntries(3, 4, 2));
      store.setHardState(hardState(2, 'n3', 4));
      store.saveSnapshot(makeSnapshot(3, 2));
      const { state } = await reopenAndLoad(h, store);
      assertEqual(state.entries, makeEntries(1, 5, 1), 'entries after crash');
      assertEqual(state.hardState, hardState(1, 'n1', 2), 'hard state after crash');
      assert(state.snapshot === null, 'unsynced snapshot must be lost');
    },
  },
  {
    name: 'writes issued while a sync runs belong to the next sync',
    async run(h) {
      let store = await openLoaded(h);
      store.append(makeEntries(1, 3, 1));
      const running = store.sync();
      store.append(makeEntries(4, 6, 1));
      await running;
      let state: RestoredState;
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.entries, makeEntries(1, 3, 1), 'only the first batch is durable');
      store.append(makeEntries(4, 4, 1));
      const first = store.sync();
      store.append(makeEntries(5, 6, 1));
      await first;
      await store.sync();
      ({ store, state } = await reopenAndLoad(h, store));
      assertEqual(state.entries, makeEntries(1, 6, 1), 'both batches durable after the second sync');
    },
  },
  {
    name: 'many syncs of small batches are all durable',
    async run(h) {
      const store = await openLoaded(h);
      let index = 0;
      let lastHardState = hardState(0, null, 0);
      for (let round = 1; round <= 150; round++) {
        const count = (round % 3) + 1;
        const term = 1 + Math.floor(round / 50);
        store.append(makeEntries(index + 1, index + count, term, 40));
        index += count;
        if (round % 7 === 0) {
          lastHardState = hardState(term, 'n1', index - 1);
          store.setHardState(lastHardState);
        }
        await store.sync();
      }
      const { state } = await reopenAndLoad(h, store);
      assert(state.entries.length === index, `expected ${index} entries, got ${state.entries.length}`);
      state.entries.forEach((entry, i) => assert(entry.index === i + 1, `entry ${i} has index ${entry.index}`));
      assertEqual(state.entries.at(-1), makeEntry(index, 4, 40), 'last entry');
      assertEqual(state.hardState, lastHardState, 'hard state after many syncs');
    },
  },
  {
    name: 'a sync with nothing to write resolves and changes nothing',
    async run(h) {
      const store = await openLoaded(h);
      await store.sync();
      store.append(makeEntries(1, 2, 1));
      await store.sync();
      await store.sync();
      const { state } = await reopenAndLoad(h, store);
      assertEqual(state.entries, makeEntries(1, 2, 1), 'entries');
    },
  },
];
