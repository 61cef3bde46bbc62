// Runs the LogStore conformance cases (actors/storage/conformance.ts) against DurableObjectLogStore
// inside workerd, on the calling object's own SQLite storage. Each case gets fresh tables under its
// own namespace; a simulated crash abandons the store (its unsynced writes are dropped) and opens a
// new one on the same tables, which can only see what reached SQLite. The tables are dropped after
// each case.

import { logStoreConformanceCases, type LogStoreHarness } from '../actors/storage/conformance.ts';
import type { LogStore } from '../actors/storage/types.ts';
import { DurableObjectLogStore } from './do-log-store.ts';
import type { DurableObjectStorage } from './runtime.ts';

export interface ConformanceCaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

export interface ConformanceReport {
  readonly backend: 'durable-object-sqlite';
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly ConformanceCaseResult[];
}

export async function runLogStoreConformance(storage: DurableObjectStorage): Promise<ConformanceReport> {
  const results: ConformanceCaseResult[] = [];
  for (const [i, testCase] of logStoreConformanceCases.entries()) {
    const namespace = `conformance_${i}`;
    const open = (): DurableObjectLogStore => new DurableObjectLogStore(storage, { namespace });
    open().dropTables();
    const harness: LogStoreHarness = {
      open: async () => open(),
      crashAndReopen: async (store: LogStore) => {
        (store as DurableObjectLogStore).abandon();
        return open();
      },
    };
    const started = Date.now();
    try {
      await testCase.run(harness);
      results.push({ name: testCase.name, ok: true, durationMs: Date.now() - started });
    } catch (error) {
      results.push({ name: testCase.name, ok: false, error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started });
    } finally {
      open().dropTables();
    }
  }
  const passed = results.filter((r) => r.ok).length;
  return { backend: 'durable-object-sqlite', passed, failed: results.length - passed, results };
}
