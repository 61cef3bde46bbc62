// The replicated state of the `ledger` machine and its snapshot form. The snapshot also records the
// chain head at the snapshot's index, so a log compacted below it stays verifiable from there on.
//
// Snapshot data (msgpack, canonical):
//   { v: 1, head: [index, hash], genesis: { voters, learners } | null,
//     keys: [[replica, publicKey, registeredAt], ...] sorted by replica,
//     lastSeal: [index, signer, from, upTo] | null }

import { isNonNegativeSafeInteger, isPlainObject } from '../machines/codec.ts';
import { invariant } from '../machines/errors.ts';
import type { ClusterConfig } from '../raft/types.ts';
import { HASH_BYTES, type ChainHead } from './chain.ts';
import { PUBLIC_KEY_BYTES } from './commands.ts';

export interface RegisteredKey {
  readonly publicKey: Uint8Array;
  /** Log index of the register entry. */
  readonly index: number;
}

/** A seal entry that was applied. */
export interface SealRecord {
  /** Log index of the seal entry itself. */
  readonly index: number;
  readonly signer: string;
  readonly from: number;
  readonly upTo: number;
}

export interface LedgerState {
  genesis: ClusterConfig | null;
  readonly keys: Map<string, RegisteredKey>;
  lastSeal: SealRecord | null;
}

const SNAPSHOT_VERSION = 1;

export function emptyLedgerState(): LedgerState {
  return { genesis: null, keys: new Map(), lastSeal: null };
}

export function cloneLedgerState(state: LedgerState): LedgerState {
  return { genesis: state.genesis, keys: new Map(state.keys), lastSeal: state.lastSeal };
}

export function ledgerSnapshot(state: LedgerState, head: ChainHead): unknown {
  const keys = [...state.keys]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([replica, key]) => [replica, key.publicKey, key.index]);
  const seal = state.lastSeal;
  return {
    v: SNAPSHOT_VERSION,
    head: [head.index, head.hash],
    genesis: state.genesis === null ? null : { voters: [...state.genesis.voters], learners: [...state.genesis.learners] },
    keys,
    lastSeal: seal === null ? null : [seal.index, seal.signer, seal.from, seal.upTo],
  };
}

/** Rebuilds state and head from snapshot data. Throws an invariant Error on malformed data. */
export function restoreLedgerSnapshot(data: unknown): { state: LedgerState; head: ChainHead } {
  invariant(isPlainObject(data) && data.v === SNAPSHOT_VERSION, 'ledger snapshot has an unknown format');
  const head = data.head;
  invariant(
    Array.isArray(head) && isNonNegativeSafeInteger(head[0]) && head[1] instanceof Uint8Array && head[1].byteLength === HASH_BYTES,
    'ledger snapshot head is malformed',
  );
  const state = emptyLedgerState();
  if (data.genesis !== null) {
    const g = data.genesis;
    invariant(isPlainObject(g) && isIdList(g.voters) && isIdList(g.learners), 'ledger snapshot genesis is malformed');
    state.genesis = { voters: g.voters, learners: g.learners };
  }
  invariant(Array.isArray(data.keys), 'ledger snapshot keys are malformed');
  for (const row of data.keys as unknown[]) {
    invariant(
      Array.isArray(row) &&
        typeof row[0] === 'string' &&
        row[1] instanceof Uint8Array &&
        row[1].byteLength === PUBLIC_KEY_BYTES &&
        isNonNegativeSafeInteger(row[2]),
      'ledger snapshot key row is malformed',
    );
    state.keys.set(row[0], { publicKey: row[1].slice(), index: row[2] });
  }
  if (data.lastSeal !== null) {
    const s = data.lastSeal;
    invariant(
      Array.isArray(s) && isNonNegativeSafeInteger(s[0]) && typeof s[1] === 'string' && isNonNegativeSafeInteger(s[2]) && isNonNegativeSafeInteger(s[3]),
      'ledger snapshot last seal is malformed',
    );
    state.lastSeal = { index: s[0], signer: s[1], from: s[2], upTo: s[3] };
  }
  return { state, head: { index: head[0], hash: (head[1] as Uint8Array).slice() } };
}

function isIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
