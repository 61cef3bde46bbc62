// Measures FileLogStore append throughput on this machine's disk (real files, real fdatasync).
//   npx tsx test/storage/measure-file-log-store.ts
// Scenarios: 10,000 entries of 100 bytes in batches of 100, once with only log appends per sync and
// once with the hard state's commit index advancing every batch (as a leader's Ready does); then
// 10,000 single-entry appends with a sync started whenever none is running (group commit).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEntries, makeEntry } from '../../actors/storage/conformance.ts';
import { FileLogStore } from '../../infra/node/file-log-store.ts';

const ENTRIES = 10_000;
const DATA_BYTES = 100;
const BATCH = 100;
/** Built before timing starts: the measurement covers the store, not entry construction. */
const batches = Array.from({ length: ENTRIES / BATCH }, (_, i) =>
  makeEntries(i * BATCH + 1, (i + 1) * BATCH, 1, DATA_BYTES),
);
const singles = Array.from({ length: ENTRIES }, (_, i) => makeEntry(i + 1, 1, DATA_BYTES));

async function measure(name: string, body: (store: FileLogStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atlas-measure-'));
  const latenciesMs: number[] = [];
  try {
    const store = await FileLogStore.open(dir, { onSync: (latencyMs) => latenciesMs.push(latencyMs) });
    await store.load();
    const started = performance.now();
    await body(store);
    const elapsedMs = performance.now() - started;
    const meanSyncMs = latenciesMs.reduce((sum, ms) => sum + ms, 0) / latenciesMs.length;
    console.log(
      `${name}: ${Math.round(ENTRIES / (elapsedMs / 1000))} entries/s, ${elapsedMs.toFixed(0)} ms, ` +
        `${store.syncCount} syncs, ${store.fsyncCount} fsyncs, mean sync ${meanSyncMs.toFixed(2)} ms`,
    );
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function batchesOf100(store: FileLogStore): Promise<void> {
  for (const batch of batches) {
    store.append(batch);
    await store.sync();
  }
}

await measure('warm-up (discard)', batchesOf100);
await measure('append only, one final sync (CPU cost)', async (store) => {
  for (const batch of batches) store.append(batch);
  await store.sync();
});
await measure('batches of 100, log only', batchesOf100);
await measure('batches of 100, commit advancing', async (store) => {
  for (const batch of batches) {
    store.append(batch);
    store.setHardState({ term: 1, vote: 'n1', commit: batch[0]!.index - 1 });
    await store.sync();
  }
});

await measure('single appends, group commit', async (store) => {
  let running: Promise<void> | null = null;
  for (let index = 1; index <= ENTRIES; index++) {
    store.append([singles[index - 1]!]);
    running ??= store.sync().finally(() => {
      running = null;
    });
    if (index % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  while (running !== null) await running;
  await store.sync();
});
