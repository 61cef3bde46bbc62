// The committed log as the API shows it (GET /v1/log) and its online verification (GET /v1/log/verify),
// over the entries a replica still holds in memory: those after its last snapshot, up to what it has
// applied. Each row carries its chain hash, its parent's hash, and the seal that covers it (null
// until a seal covering it has been applied).

import { decodeCommand } from '../machines/envelope.ts';
import { decodeConfig } from '../raft/config.ts';
import { EntryType, type Entry } from '../raft/types.ts';
import { LEDGER_MACHINE } from './commands.ts';
import { toHex } from './hex.ts';
import type { Ledger } from './ledger.ts';
import { verifyLedger, type LedgerReport } from './verify.ts';

export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

/** What a replica exposes to read its log. */
export interface LedgerSource {
  readonly ledger: Ledger;
  /** Applied entries from `from` on, at most `limit`; `from` must be >= firstLogIndex(). */
  appliedEntries(from: number, limit: number): readonly Entry[];
  /** The first index still held in memory (the snapshot's index + 1). */
  firstLogIndex(): number;
  readonly appliedIndex: number;
}

export type EntryTypeName = 'noop' | 'command' | 'config';

export interface LogRow {
  readonly index: number;
  readonly term: number;
  readonly lamport: number;
  readonly type: EntryTypeName;
  /** Hex SHA-256 chain hash of this entry. */
  readonly hash: string;
  /** Hex hash of the previous entry. */
  readonly parent: string;
  /** Replica whose seal covers this entry, and the seal's signature (hex) and log index. */
  readonly signer: string | null;
  readonly signature: string | null;
  readonly sealIndex: number | null;
  /** Command entries: { machine, command, logTimeMs, idempotencyKey? }; Config: the membership; Noop: null. */
  readonly command: unknown;
}

export interface LogPage {
  readonly entries: readonly LogRow[];
  /** Index to ask for next, or null when the page reached the applied index. */
  readonly next: number | null;
  readonly firstIndex: number;
  readonly appliedIndex: number;
}

/** The entries asked for are below the snapshot: no longer held. */
export class LogCompactedError extends Error {
  override readonly name = 'LogCompactedError';
  constructor(readonly firstIndex: number) {
    super(`the log is compacted below index ${firstIndex}`);
  }
}

/** The replica is installing a snapshot: its log and its ledger disagree on where they start. Retry. */
export class LogMovingError extends Error {
  override readonly name = 'LogMovingError';
  constructor() {
    super('the replica is installing a snapshot; retry shortly');
  }
}

/** A page of committed entries from `from` (default: the first one held). */
export function readLog(source: LedgerSource, from: number | undefined, limit = DEFAULT_LOG_LIMIT): LogPage {
  const firstIndex = source.firstLogIndex();
  const start = from ?? firstIndex;
  if (start < firstIndex) throw new LogCompactedError(firstIndex);
  const count = Math.max(1, Math.min(limit, MAX_LOG_LIMIT));
  const entries = start <= source.appliedIndex ? source.appliedEntries(start, count) : [];
  const chain = source.ledger.chain;
  const rows = entries.map((entry): LogRow => {
    const seal = source.ledger.sealCovering(entry.index);
    return {
      index: entry.index,
      term: entry.term,
      lamport: entry.lamport,
      type: typeName(entry),
      hash: toHex(chain.hashAt(entry.index)!),
      parent: toHex(chain.hashAt(entry.index - 1)!),
      signer: seal?.record.signer ?? null,
      signature: seal ? toHex(seal.signature) : null,
      sealIndex: seal?.record.index ?? null,
      command: commandOf(entry),
    };
  });
  const last = rows.at(-1)?.index ?? start - 1;
  return { entries: rows, next: last < source.appliedIndex ? last + 1 : null, firstIndex, appliedIndex: source.appliedIndex };
}

/** Verifies the entries held in memory from the ledger's anchor (its last snapshot, or genesis). */
export async function verifyHeldLog(source: LedgerSource): Promise<LedgerReport> {
  const anchor = source.ledger.anchorState;
  const from = anchor.head.index + 1;
  if (from !== source.firstLogIndex()) throw new LogMovingError();
  const entries = from <= source.appliedIndex ? source.appliedEntries(from, source.appliedIndex - from + 1) : [];
  return verifyLedger(anchor, entries);
}

function typeName(entry: Entry): EntryTypeName {
  if (entry.type === EntryType.Command) return 'command';
  if (entry.type === EntryType.Config) return 'config';
  return 'noop';
}

function commandOf(entry: Entry): unknown {
  if (entry.type === EntryType.Noop) return null;
  if (entry.type === EntryType.Config) {
    try {
      return decodeConfig(entry.data);
    } catch {
      return { error: 'malformed configuration entry' };
    }
  }
  const decoded = decodeCommand(entry.data);
  if (!decoded.ok) return { error: decoded.error.message };
  const { machine, command, logTimeMs, idempotencyKey } = decoded.envelope;
  return {
    machine,
    command: machine === LEDGER_MACHINE ? bytesAsHex(command) : command,
    logTimeMs,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
}

/** Ledger commands hold hashes, keys and signatures: shown in hex like the rows' own hashes. */
function bytesAsHex(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(bytesAsHex);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, bytesAsHex(v)]));
}
