// The KV machine: an etcd-like key/value store (revisions, tombstones, CAS, transactions, TTL, watch).
// createKvMachine() returns one machine per host: its watch history belongs to the state that host
// applies, so never register one instance in two hosts.

import { defineMachine } from '../types.ts';
import type { MachineDefinition } from '../types.ts';
import { applyKvCommand } from './apply.ts';
import type { KvCommand, KvQuery, KvQueryResult, KvResult } from './commands.ts';
import { DEFAULT_KV_LIMITS } from './limits.ts';
import type { KvLimits } from './limits.ts';
import { runKvQuery } from './queries.ts';
import { captureKvSnapshot, restoreKvState, snapshotKvState } from './snapshot.ts';
import { createKvState } from './state.ts';
import type { KvState } from './state.ts';
import { validateKvCommand, validateKvQuery } from './validation.ts';
import { DEFAULT_WATCH_HISTORY_LIMITS, WatchHistory } from './watch.ts';
import type { WatchListener, WatchRead } from './watch.ts';

export const KV_MACHINE_NAME = 'kv';

export interface KvMachineOptions extends Partial<KvLimits> {
  /** Watch history window (local, not replicated). */
  readonly historyMaxEvents?: number;
  readonly historyMaxBytes?: number;
  /** Called when a watch listener throws; default console.error. */
  readonly onListenerError?: (error: unknown) => void;
}

export interface KvMachine extends MachineDefinition<KvState, KvCommand, KvResult, KvQuery, KvQueryResult> {
  readonly limits: KvLimits;
  /** Events at revisions >= fromRevision under `prefix`, or `compacted` when they left the window. */
  eventsSince(fromRevision: number, prefix?: string): WatchRead;
  /** Called after each applied revision (with its events) and when a snapshot is restored. */
  subscribe(listener: WatchListener): () => void;
}

export function createKvMachine(options: KvMachineOptions = {}): KvMachine {
  const limits: KvLimits = {
    maxValueBytes: options.maxValueBytes ?? DEFAULT_KV_LIMITS.maxValueBytes,
    maxTxnOps: options.maxTxnOps ?? DEFAULT_KV_LIMITS.maxTxnOps,
    maxTxnBytes: options.maxTxnBytes ?? DEFAULT_KV_LIMITS.maxTxnBytes,
    maxExpireKeys: options.maxExpireKeys ?? DEFAULT_KV_LIMITS.maxExpireKeys,
    maxTtlSeconds: options.maxTtlSeconds ?? DEFAULT_KV_LIMITS.maxTtlSeconds,
    maxTombstones: options.maxTombstones ?? DEFAULT_KV_LIMITS.maxTombstones,
  };
  const history = new WatchHistory(
    {
      maxEvents: options.historyMaxEvents ?? DEFAULT_WATCH_HISTORY_LIMITS.maxEvents,
      maxBytes: options.historyMaxBytes ?? DEFAULT_WATCH_HISTORY_LIMITS.maxBytes,
    },
    options.onListenerError,
  );

  const definition = defineMachine<KvState, KvCommand, KvResult, KvQuery, KvQueryResult>({
    name: KV_MACHINE_NAME,
    // Apply reads commands field by field, compares numbers with === (where -0 and 0 agree) and
    // copies every value it keeps: it cannot tell a validated command from its decoded copy.
    proposerAppliesValidated: true,
    init() {
      history.reset(0);
      return createKvState();
    },
    validate: (command) => validateKvCommand(command, limits),
    apply(state, command, ctx) {
      const applied = applyKvCommand(state, command, ctx, limits);
      if (applied.events.length > 0) history.record(applied.revision, applied.events);
      return applied.result;
    },
    query: (state, query) => runKvQuery(state, validateKvQuery(query)),
    snapshot: snapshotKvState,
    captureSnapshot: captureKvSnapshot,
    restore(data) {
      const state = restoreKvState(data);
      history.reset(state.revision);
      return state;
    },
  });

  return {
    ...definition,
    limits,
    eventsSince: (fromRevision, prefix) => history.eventsSince(fromRevision, prefix),
    subscribe: (listener) => history.subscribe(listener),
  };
}
