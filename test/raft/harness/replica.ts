// One replica in a scenario: the core, its durable storage and a toy state machine (the list of
// applied commands). The harness plays the shell, executing each Ready in the contract's order.

import { Raft, type RaftOptions } from '../../../actors/raft/raft.ts';
import { seededRng } from '../../../actors/raft/rand.ts';
import type { Entry, Message, Snapshot } from '../../../actors/raft/types.ts';
import { EntryType } from '../../../actors/raft/types.ts';
import { formatEntry, formatHardState, formatMessage, formatSnapshotMeta, text } from './format.ts';
import { MemoryStorage } from './memory-storage.ts';

export type CoreOptions = Omit<RaftOptions, 'id' | 'rng'>;

const encoder = new TextEncoder();

interface AppliedCommand {
  readonly index: number;
  readonly command: string;
}

export class Replica {
  storage = new MemoryStorage();
  /** Null while crashed. */
  raft: Raft | null;
  private restarts = 0;
  /** The state machine: every applied command, in order. A snapshot holds the list joined by ','. */
  private applied: AppliedCommand[] = [];
  private lastSoft = '';

  constructor(
    readonly id: string,
    private readonly options: CoreOptions,
    private readonly seed: number,
  ) {
    this.raft = this.boot();
  }

  get up(): boolean {
    return this.raft !== null;
  }

  core(): Raft {
    if (!this.raft) throw new Error(`node ${this.id} is down`);
    return this.raft;
  }

  /** Drops everything not written to storage: the core's memory and the state machine. */
  crash(): string[] {
    const raft = this.core();
    const lost: string[] = [];
    for (let i = raft.log.persistedIndex + 1; i <= raft.log.lastIndex(); i++) {
      const e = raft.log.entry(i);
      if (e) lost.push(`  lost unpersisted: ${formatEntry(e)}`);
    }
    this.raft = null;
    return lost;
  }

  /** Restarts a crashed node; `wipe` first loses its disk (it starts with nothing, as a new member would). */
  restart(wipe = false): void {
    if (this.raft) throw new Error(`node ${this.id} is up`);
    if (wipe) this.storage = new MemoryStorage();
    this.restarts++;
    this.raft = this.boot();
  }

  private boot(): Raft {
    const rng = seededRng(this.seed + 7919 * this.restarts);
    const raft = new Raft({ ...this.options, id: this.id, rng }, this.storage.restored());
    const snap = this.storage.snapshot;
    this.applied = snap ? decodeState(snap) : [];
    this.lastSoft = softLine(raft);
    return raft;
  }

  /**
   * Executes one Ready: send, persist (one sync), send what waited for the sync, install and apply,
   * advance. Returns the report lines and every message sent, in send order.
   */
  processReady(): { lines: string[]; sent: Message[]; applied: Entry[] } {
    const raft = this.core();
    const ready = raft.ready();
    const lines: string[] = [];
    const soft = `${ready.soft.role} term:${ready.soft.term} leader:${ready.soft.leader ?? '-'}`;
    if (soft !== this.lastSoft) lines.push(`soft: ${soft}`);
    this.lastSoft = soft;
    for (const m of ready.messages) lines.push(`send: ${formatMessage(m)}`);
    if (ready.hardState) lines.push(`persist hard: ${formatHardState(ready.hardState)}`);
    if (ready.snapshot) lines.push(`persist snapshot: ${formatSnapshotMeta(ready.snapshot.meta)}`);
    for (const e of ready.entries) lines.push(`persist: ${formatEntry(e)}`);
    this.storage.persist(ready);
    for (const m of ready.messagesAfterPersist) lines.push(`send after sync: ${formatMessage(m)}`);
    if (ready.snapshot) {
      this.applied = decodeState(ready.snapshot);
      lines.push(`install snapshot: ${ready.snapshot.meta.index}/${ready.snapshot.meta.term} state:${text(ready.snapshot.data)}`);
    }
    for (const e of ready.committed) {
      lines.push(`apply: ${formatEntry(e)}`);
      if (e.type === EntryType.Command) this.applied.push({ index: e.index, command: text(e.data) });
    }
    for (const r of ready.readStates) lines.push(`read-state: ${r.context} index:${r.index}`);
    for (const f of ready.readFailures) lines.push(`read-failure: ${f.context} ${f.reason}`);
    raft.advance(ready);
    return { lines, sent: [...ready.messages, ...ready.messagesAfterPersist], applied: [...ready.committed] };
  }

  /** The state machine at `index` (<= applied), encoded as a snapshot's data. */
  stateAt(index: number): Uint8Array {
    return encoder.encode(this.applied.filter((c) => c.index <= index).map((c) => c.command).join(','));
  }

  state(): string {
    return this.applied.map((c) => c.command).join(',');
  }

  saveLocalSnapshot(snapshot: Snapshot): void {
    this.storage.saveLocalSnapshot(snapshot);
  }

  durableLog(): Entry[] {
    return this.storage.entries;
  }

  /**
   * Where the core's view of its durable log disagrees with storage: every entry the core counts as
   * persisted must be in storage with the same term.
   */
  durabilityMismatch(): string | null {
    const raft = this.raft;
    if (!raft) return null;
    const from = Math.max(this.storage.snapshotIndex(), raft.log.snapshot.index) + 1;
    for (let i = from; i <= raft.log.persistedIndex; i++) {
      const stored = this.storage.entry(i);
      const held = raft.log.entry(i);
      if (stored?.term !== held?.term) {
        return `core counts ${i}/${held?.term ?? '?'} as persisted, storage holds ${stored ? `${i}/${stored.term}` : 'nothing'}`;
      }
    }
    return null;
  }
}

function softLine(raft: Raft): string {
  const s = raft.softState();
  return `${s.role} term:${s.term} leader:${s.leader ?? '-'}`;
}

function decodeState(snapshot: Snapshot): AppliedCommand[] {
  const data = text(snapshot.data);
  if (data === '') return [];
  return data.split(',').map((command) => ({ index: snapshot.meta.index, command }));
}
