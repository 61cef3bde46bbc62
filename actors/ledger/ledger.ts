// One replica's ledger: the hash chain over its applied entries, the `ledger` machine's state, the
// seals applied since its last snapshot (to say which seal covers an entry), and the anchor that
// verification starts from (the chain head and ledger state at the last snapshot, or genesis).
//
// The replica calls, in log order: `record(entry)` for EVERY applied entry before the machines apply
// it, and `anchor(meta)` whenever its state is exactly a snapshot's (after restore at start, after
// installing one, after taking one). Memory: 32 bytes per entry since the last snapshot (or since the
// last seal, if older, up to MAX_SEAL_ENTRIES more), plus one record per seal since then.

import type { Entry, SnapshotMeta } from '../raft/types.ts';
import type { ClusterConfig } from '../raft/types.ts';
import { GENESIS_HEAD, HASH_BYTES, HashChain, type ChainHead, type Sha256Digest } from './chain.ts';
import { MAX_SEAL_ENTRIES } from './commands.ts';
import { createLedgerMachine, type LedgerMachine } from './machine.ts';
import { cloneLedgerState, emptyLedgerState, type LedgerState, type SealRecord } from './state.ts';

/** Where verification starts: entries after `head.index` are checked against this state. */
export interface LedgerAnchor {
  readonly head: ChainHead;
  /** Membership in force at `head.index`; null at genesis, where the `genesis` record supplies it. */
  readonly config: ClusterConfig | null;
  /** Ledger state at `head.index` (registered keys, genesis membership). Not mutated. */
  readonly state: LedgerState;
}

export interface AppliedSeal {
  readonly record: SealRecord;
  readonly signature: Uint8Array;
}

export const GENESIS_ANCHOR: LedgerAnchor = { head: GENESIS_HEAD, config: null, state: emptyLedgerState() };

export class Ledger {
  readonly chain: HashChain;
  readonly machine: LedgerMachine;
  private current: LedgerState = emptyLedgerState();
  private anchorPoint: LedgerAnchor = GENESIS_ANCHOR;
  /** Seals applied since the anchor, in log order; `reach[k]` = max upTo of seals[0..k]. */
  private seals: AppliedSeal[] = [];
  private reach: number[] = [];
  private appliedTerm = 0;

  /** `digest`: the host's native SHA-256 for the chain, if any (chain.ts). */
  constructor(digest: Sha256Digest | null = null) {
    this.chain = new HashChain(digest);
    this.machine = createLedgerMachine({
      head: () => this.chain.head,
      adopt: (state, head) => {
        this.current = state;
        this.chain.reset(head ?? GENESIS_HEAD);
        this.seals = [];
        this.reach = [];
      },
      sealed: (record, signature) => {
        this.seals.push({ record, signature });
        this.reach.push(Math.max(record.upTo, this.reach.at(-1) ?? 0));
      },
    });
  }

  /** The replicated ledger state as of the last applied entry. Read-only for callers. */
  get state(): Readonly<LedgerState> {
    return this.current;
  }

  get anchorState(): LedgerAnchor {
    return this.anchorPoint;
  }

  /** Term of the last applied entry. */
  get lastAppliedTerm(): number {
    return this.appliedTerm;
  }

  /** Extends the chain with the next applied entry. */
  record(entry: Entry): void {
    this.chain.append(entry);
    this.appliedTerm = entry.term;
  }

  /**
   * The replica's state is now exactly the snapshot `meta` (null: the empty log at genesis). A
   * snapshot taken before the ledger existed carries no chain head: the chain restarts there from a
   * zero hash, and verification starts at that point.
   */
  anchor(meta: SnapshotMeta | null): void {
    this.appliedTerm = meta?.term ?? 0;
    if (meta === null) {
      this.anchorPoint = { head: this.chain.head, config: null, state: cloneLedgerState(this.current) };
      return;
    }
    if (this.chain.headIndex !== meta.index) this.chain.reset({ index: meta.index, hash: new Uint8Array(HASH_BYTES) });
    const head = { index: meta.index, hash: this.chain.hashAt(meta.index)! };
    this.anchorTo({ head, config: meta.config, state: cloneLedgerState(this.current) });
  }

  /**
   * The anchor of a snapshot of this replica's own state at `meta`, the last applied entry, captured
   * now for `anchorTo` once the log is compacted there: entries keep applying (and chaining) between
   * the two, and until then verification still starts at the previous anchor, where the log does.
   */
  captureAnchor(meta: SnapshotMeta): LedgerAnchor {
    const hash = this.chain.hashAt(meta.index);
    if (this.chain.headIndex !== meta.index || hash === null) {
      throw new Error(`invariant: ledger anchor captured at ${meta.index} but the chain head is ${this.chain.headIndex}`);
    }
    return { head: { index: meta.index, hash }, config: meta.config, state: cloneLedgerState(this.current) };
  }

  /** Verification starts at `anchor` from now on; hashes below it are forgotten (see anchor). */
  anchorTo(anchor: LedgerAnchor): void {
    this.anchorPoint = anchor;
    const index = anchor.head.index;
    // Hashes of entries no seal covers yet are kept (at most one seal's worth) so the next seal can
    // still tag them.
    const unsealedFrom = Math.min(index, this.current.lastSeal?.upTo ?? index);
    this.chain.forgetBelow(Math.max(unsealedFrom, index - MAX_SEAL_ENTRIES));
    const keep = this.seals.findIndex((s) => s.record.upTo > this.chain.baseIndex);
    if (keep !== 0) {
      const drop = keep === -1 ? this.seals.length : keep;
      this.seals = this.seals.slice(drop);
      this.reach = this.reach.slice(drop);
    }
  }

  /** The first applied seal that covers entry `index` (from < index <= upTo), if one is remembered. */
  sealCovering(index: number): AppliedSeal | null {
    let low = 0;
    let high = this.reach.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.reach[middle]! >= index) high = middle;
      else low = middle + 1;
    }
    for (let k = low; k < this.seals.length; k++) {
      const { record } = this.seals[k]!;
      if (record.from < index && index <= record.upTo) return this.seals[k]!;
    }
    return null;
  }
}
