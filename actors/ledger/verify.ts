// Independent verification of a committed log against its ledger: recomputes the hash chain from an
// anchor (genesis or a snapshot's recorded head), replays the `ledger` machine's records, and checks
// every seal. It trusts nothing but the anchor. A seal is valid when
//   - it covers entries before itself (from < upTo < its own index),
//   - its signer is a member (voter or learner) of the configuration in force at the seal,
//   - its signature verifies with the key registered for the signer at that point (a registration
//     counts only when its proof verifies with the key it registers),
//   - every tag matches hash(j) for j in (from, upTo] after the anchor, and `hash` matches hash(upTo).
// The first failure, in log order, is reported with the index of the entry at fault: the first entry
// whose hash differs from what a valid seal recorded, or the seal or registration that does not hold.
// Entries after the last valid seal are counted as `unsealed`, not as failures.

import { decodeCommand } from '../machines/envelope.ts';
import { decodeUntrusted, isPlainObject } from '../machines/codec.ts';
import { CommandRejectedError } from '../machines/errors.ts';
import { decodeConfig, isMember } from '../raft/config.ts';
import { EntryType, type ClusterConfig, type Entry } from '../raft/types.ts';
import { HashChain } from './chain.ts';
import {
  LEDGER_MACHINE,
  TAG_BYTES,
  registerMessage,
  sealMessage,
  validateLedgerCommand,
  type LedgerCommand,
  type RegisterCommand,
  type SealCommand,
} from './commands.ts';
import { bytesEqual, toHex } from './hex.ts';
import { PublicKeyCache } from './keys.ts';
import type { LedgerAnchor } from './ledger.ts';
import { cloneLedgerState, type LedgerState } from './state.ts';

export interface LedgerFailure {
  /** The log index at fault. */
  readonly index: number;
  readonly reason: string;
}

export interface LedgerReport {
  readonly ok: boolean;
  /** Entries whose hashes were recomputed (those after the anchor, up to the failure if any). */
  readonly checked: number;
  /** The last entry checked (the anchor when none was). */
  readonly head: { readonly index: number; readonly hash: string };
  /** Verification started after this entry: 0 at genesis, else a snapshot's index. */
  readonly anchor: { readonly index: number; readonly hash: string };
  /** Highest entry covered by a valid seal (at least the anchor's index). */
  readonly sealedThrough: number;
  /** Checked entries after `sealedThrough`: chained but not yet signed. */
  readonly unsealed: number;
  /** Valid seals checked. */
  readonly seals: number;
  /** Replicas whose seals were checked, sorted. */
  readonly signers: readonly string[];
  /** The public key (hex) registered for each replica at the last entry checked. */
  readonly keys: Readonly<Record<string, string>>;
  readonly failure?: LedgerFailure;
}

/** Verifies `entries` (committed, in order, starting right after the anchor). */
export async function verifyLedger(anchor: LedgerAnchor, entries: Iterable<Entry>): Promise<LedgerReport> {
  const verifier = new LedgerVerifier(anchor);
  for (const entry of entries) {
    if (!(await verifier.push(entry))) break;
  }
  return verifier.report();
}

/** Streaming form of verifyLedger: `push` entries in order until it returns false, then `report`. */
export class LedgerVerifier {
  private readonly chain = new HashChain();
  private readonly keyCache = new PublicKeyCache();
  private readonly state: LedgerState;
  private readonly anchorIndex: number;
  private readonly anchorHash: string;
  private config: ClusterConfig | null;
  private lastTerm = 0;
  private sealedThrough: number;
  private seals = 0;
  private readonly signers = new Set<string>();
  private failure: LedgerFailure | null = null;

  constructor(anchor: LedgerAnchor) {
    this.chain.reset(anchor.head);
    this.state = cloneLedgerState(anchor.state);
    this.config = anchor.config;
    this.anchorIndex = anchor.head.index;
    this.anchorHash = toHex(anchor.head.hash);
    this.sealedThrough = anchor.head.index;
  }

  /** Checks the next entry. Returns false once a failure was found (later entries are not checked). */
  async push(entry: Entry): Promise<boolean> {
    if (this.failure !== null) return false;
    const expected = this.chain.headIndex + 1;
    if (entry.index !== expected) return this.fail(expected, `expected entry ${expected} here, found entry ${entry.index}`);
    if (entry.term < this.lastTerm) return this.fail(entry.index, `term ${entry.term} is below the previous entry's term ${this.lastTerm}`);
    this.lastTerm = entry.term;
    this.chain.append(entry);
    if (entry.type === EntryType.Config) return this.applyConfig(entry);
    if (entry.type !== EntryType.Command || machineOf(entry.data) !== LEDGER_MACHINE) return true;
    const command = ledgerCommandOf(entry.data);
    if (typeof command === 'string') return this.fail(entry.index, `malformed ledger command: ${command}`);
    switch (command.type) {
      case 'genesis':
        if (this.state.genesis === null) this.state.genesis = { voters: [...command.voters], learners: [...command.learners] };
        return true;
      case 'register':
        return this.applyRegister(entry.index, command);
      case 'seal':
        return this.checkSeal(entry.index, command);
    }
  }

  report(): LedgerReport {
    const head = this.chain.head;
    const sealedThrough = Math.min(this.sealedThrough, head.index);
    return {
      ok: this.failure === null,
      checked: head.index - this.anchorIndex,
      head: { index: head.index, hash: toHex(head.hash) },
      anchor: { index: this.anchorIndex, hash: this.anchorHash },
      sealedThrough,
      unsealed: head.index - sealedThrough,
      seals: this.seals,
      signers: [...this.signers].sort(),
      keys: Object.fromEntries([...this.state.keys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, key]) => [id, toHex(key.publicKey)])),
      ...(this.failure !== null ? { failure: this.failure } : {}),
    };
  }

  private fail(index: number, reason: string): false {
    this.failure = { index, reason };
    return false;
  }

  private applyConfig(entry: Entry): boolean {
    try {
      this.config = decodeConfig(entry.data);
      return true;
    } catch {
      return this.fail(entry.index, 'malformed configuration entry');
    }
  }

  private async applyRegister(index: number, command: RegisterCommand): Promise<boolean> {
    const proven = await this.keyCache.verify(command.publicKey, command.proof, registerMessage(command.replica, command.publicKey));
    if (!proven) return this.fail(index, `the registration of a key for ${command.replica} is not signed by that key`);
    this.state.keys.set(command.replica, { publicKey: command.publicKey, index });
    return true;
  }

  private async checkSeal(index: number, seal: SealCommand): Promise<boolean> {
    const { signer, from, upTo } = seal;
    if (upTo >= index) return this.fail(index, `the seal at index ${index} claims to cover entry ${upTo}`);
    const members = this.config ?? this.state.genesis;
    if (members === null) return this.fail(index, `the seal at index ${index} precedes any record of the membership`);
    if (!isMember(members, signer)) return this.fail(index, `the seal at index ${index} is signed as ${signer}, not a member at that point`);
    const key = this.state.keys.get(signer);
    if (key === undefined) return this.fail(index, `the seal at index ${index} is signed as ${signer}, who has no registered key`);
    if (!(await this.keyCache.verify(key.publicKey, seal.signature, sealMessage(seal)))) {
      return this.fail(index, `the seal at index ${index} is not signed by the key registered for ${signer} at index ${key.index}`);
    }
    for (let j = Math.max(from, this.anchorIndex) + 1; j <= upTo; j++) {
      const tag = seal.tags.subarray((j - from - 1) * TAG_BYTES, (j - from) * TAG_BYTES);
      if (!bytesEqual(this.chain.hashAt(j)!.subarray(0, TAG_BYTES), tag)) {
        return this.fail(j, `entry ${j} does not match the hash sealed by ${signer} at index ${index}`);
      }
    }
    if (upTo >= this.anchorIndex && !bytesEqual(this.chain.hashAt(upTo)!, seal.hash)) {
      return this.fail(upTo, `the chain up to entry ${upTo} does not match the hash sealed by ${signer} at index ${index}`);
    }
    this.sealedThrough = Math.max(this.sealedThrough, upTo);
    this.seals++;
    this.signers.add(signer);
    return true;
  }
}

/** The machine a Command entry addresses, or null when its envelope does not decode. */
function machineOf(data: Uint8Array): string | null {
  try {
    const outer = decodeUntrusted(data);
    return isPlainObject(outer) && typeof outer.machine === 'string' ? outer.machine : null;
  } catch {
    return null;
  }
}

/** The ledger command in a Command entry, or why it is not one. */
function ledgerCommandOf(data: Uint8Array): LedgerCommand | string {
  const decoded = decodeCommand(data);
  if (!decoded.ok) return decoded.error.message;
  try {
    return validateLedgerCommand(decoded.envelope.command);
  } catch (error) {
    if (error instanceof CommandRejectedError) return error.message;
    throw error;
  }
}
