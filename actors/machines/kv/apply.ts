// Applies validated KV commands to the state. Deterministic: everything comes from the command, the
// state and the ApplyContext. Every write of one command shares one revision (state.revision + 1),
// committed only if something was written; a failed condition or a delete of an absent key writes
// nothing and leaves the revision unchanged.

import type { ApplyContext } from '../types.ts';
import type {
  DeleteCommand,
  DeleteResult,
  ExpireCommand,
  ExpireResult,
  KvCommand,
  KvResult,
  PreconditionFailed,
  PutCommand,
  PutResult,
  TxnCommand,
  TxnCompare,
  TxnOpResult,
  TxnResult,
  WatchEvent,
} from './commands.ts';
import type { KvLimits } from './limits.ts';
import { modRevisionOf, removeEntry, sameBytes, setEntry } from './state.ts';
import type { KvState } from './state.ts';

export interface KvApplied {
  readonly result: KvResult;
  /** Events of the write, all at `revision`; empty when nothing was written. */
  readonly events: readonly WatchEvent[];
  /** The store revision after the command. */
  readonly revision: number;
}

/** Collects the writes of one command at one revision. */
class RevisionWriter {
  readonly revision: number;
  readonly events: WatchEvent[] = [];

  constructor(
    private readonly state: KvState,
    private readonly ctx: ApplyContext,
    private readonly limits: KvLimits,
  ) {
    this.revision = state.revision + 1;
  }

  put(key: string, value: Uint8Array, ttlSeconds?: number): void {
    const previous = this.state.live.get(key);
    const stored = value.slice();
    const createRevision = previous ? previous.createRevision : this.revision;
    const version = previous ? previous.version + 1 : 1;
    const lamport = this.ctx.lamport;
    // Two literals rather than a spread: the spread copied a temporary object on every put.
    setEntry(
      this.state,
      key,
      ttlSeconds === undefined
        ? { value: stored, createRevision, modRevision: this.revision, version, lamport }
        : { value: stored, createRevision, modRevision: this.revision, version, lamport, expiresAtMs: this.ctx.logTimeMs + ttlSeconds * 1000 },
    );
    this.events.push({ type: 'put', key, revision: this.revision, lamport: this.ctx.lamport, value: stored });
  }

  /** Returns whether the key existed. */
  delete(key: string): boolean {
    if (!this.state.live.has(key)) return false;
    removeEntry(this.state, key, { revision: this.revision, lamport: this.ctx.lamport }, this.limits.maxTombstones);
    this.events.push({ type: 'delete', key, revision: this.revision, lamport: this.ctx.lamport });
    return true;
  }

  /** Advances the store revision if anything was written; returns the store revision. */
  commit(): number {
    if (this.events.length > 0) this.state.revision = this.revision;
    return this.state.revision;
  }
}

export function applyKvCommand(state: KvState, command: KvCommand, ctx: ApplyContext, limits: KvLimits): KvApplied {
  const writer = new RevisionWriter(state, ctx, limits);
  const result = run(state, command, ctx, writer);
  const revision = writer.commit();
  return { result: result(revision), events: writer.events, revision };
}

/** Runs the command's writes; returns the result as a function of the committed store revision. */
function run(state: KvState, command: KvCommand, ctx: ApplyContext, writer: RevisionWriter): (revision: number) => KvResult {
  switch (command.type) {
    case 'put':
      return put(state, command, ctx, writer);
    case 'delete':
      return del(state, command, writer);
    case 'txn':
      return txn(state, command, writer);
    case 'expire':
      return expire(state, command, ctx, writer);
  }
}

function put(state: KvState, command: PutCommand, ctx: ApplyContext, writer: RevisionWriter): (revision: number) => PutResult {
  const current = modRevisionOf(state, command.key);
  const holds = command.ifAbsent ? current === 0 : command.ifRevision === undefined || command.ifRevision === current;
  if (!holds) return () => preconditionFailed(command.key, current);
  writer.put(command.key, command.value, command.ttlSeconds);
  return (revision) => ({ ok: true, key: command.key, revision, lamport: ctx.lamport });
}

function del(state: KvState, command: DeleteCommand, writer: RevisionWriter): (revision: number) => DeleteResult {
  const current = modRevisionOf(state, command.key);
  if (command.ifRevision !== undefined && command.ifRevision !== current) {
    return () => preconditionFailed(command.key, current);
  }
  const deleted = writer.delete(command.key);
  return (revision) => ({ ok: true, key: command.key, revision, deleted });
}

function txn(state: KvState, command: TxnCommand, writer: RevisionWriter): (revision: number) => TxnResult {
  const succeeded = command.compare.every((compare) => holds(state, compare));
  const results: TxnOpResult[] = [];
  for (const op of succeeded ? command.success : command.failure) {
    if (op.op === 'put') {
      writer.put(op.key, op.value);
      results.push({ op: 'put', key: op.key, revision: writer.revision });
    } else if (op.op === 'delete') {
      results.push({ op: 'delete', key: op.key, deleted: writer.delete(op.key) });
    } else {
      const entry = state.live.get(op.key);
      results.push({ op: 'get', key: op.key, value: entry ? entry.value : null, revision: entry ? entry.modRevision : 0 });
    }
  }
  return (revision) => ({ succeeded, revision, results });
}

function holds(state: KvState, compare: TxnCompare): boolean {
  const entry = state.live.get(compare.key);
  if ('revision' in compare) return (entry?.modRevision ?? 0) === compare.revision;
  if ('exists' in compare) return (entry !== undefined) === compare.exists;
  return entry !== undefined && sameBytes(entry.value, compare.value);
}

function expire(state: KvState, command: ExpireCommand, ctx: ApplyContext, writer: RevisionWriter): (revision: number) => ExpireResult {
  const expired: string[] = [];
  for (const target of command.keys) {
    const entry = state.live.get(target.key);
    if (!entry || entry.modRevision !== target.modRevision) continue;
    if (entry.expiresAtMs === undefined || entry.expiresAtMs > ctx.logTimeMs) continue;
    writer.delete(target.key);
    expired.push(target.key);
  }
  return (revision) => ({ revision, expired });
}

function preconditionFailed(key: string, revision: number): PreconditionFailed {
  return { ok: false, code: 'precondition_failed', key, revision };
}
