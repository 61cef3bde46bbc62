// Where verification of a compacted log starts: the chain head and ledger state a snapshot recorded
// (the `ledger` row of MachineHost's snapshot), with the membership from the snapshot's metadata.

import { decodeUntrusted, isPlainObject } from '../machines/codec.ts';
import type { Snapshot } from '../raft/types.ts';
import { HASH_BYTES } from './chain.ts';
import { LEDGER_MACHINE } from './commands.ts';
import type { LedgerAnchor } from './ledger.ts';
import { emptyLedgerState, restoreLedgerSnapshot } from './state.ts';

export interface SnapshotAnchor {
  readonly anchor: LedgerAnchor;
  /** False when the snapshot predates the ledger: the chain restarts at its index from a zero hash. */
  readonly recorded: boolean;
}

/** Reads the anchor out of a snapshot. Throws an invariant Error when its data is malformed. */
export function anchorFromSnapshot(snapshot: Snapshot): SnapshotAnchor {
  const { meta } = snapshot;
  let host: unknown;
  try {
    host = decodeUntrusted(snapshot.data);
  } catch (cause) {
    throw new Error(`invariant: the snapshot at index ${meta.index} is not valid msgpack`, { cause });
  }
  const rows = isPlainObject(host) && Array.isArray(host.machines) ? (host.machines as unknown[]) : null;
  if (rows === null) throw new Error(`invariant: the snapshot at index ${meta.index} has no machine list`);
  const row = rows.find((r) => Array.isArray(r) && r[0] === LEDGER_MACHINE) as [string, unknown] | undefined;
  if (row === undefined) {
    const head = { index: meta.index, hash: new Uint8Array(HASH_BYTES) };
    return { anchor: { head, config: meta.config, state: emptyLedgerState() }, recorded: false };
  }
  const { state, head } = restoreLedgerSnapshot(row[1]);
  if (head.index !== meta.index) {
    throw new Error(`invariant: the snapshot at index ${meta.index} records the chain head of entry ${head.index}`);
  }
  return { anchor: { head, config: meta.config, state }, recorded: true };
}
