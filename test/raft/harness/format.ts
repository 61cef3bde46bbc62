// One-line, human-readable renderings of the core's values for golden scenario files.
// Formats are part of the golden files' contract: changing one means re-reviewing every scenario.

import { decodeConfig } from '../../../actors/raft/config.ts';
import type { RaftStatus } from '../../../actors/raft/raft.ts';
import { type ClusterConfig, type Entry, EntryType, type HardState, type Message, type SnapshotMeta } from '../../../actors/raft/types.ts';

const decoder = new TextDecoder();

export function text(data: Uint8Array): string {
  return decoder.decode(data);
}

export function formatList(ids: readonly string[]): string {
  return `(${ids.join(',')})`;
}

export function formatConfig(config: ClusterConfig): string {
  return `voters=${formatList(config.voters)} learners=${formatList(config.learners)}`;
}

/** `index/term kind payload`, e.g. `2/1 cmd foo`, `1/1 noop`, `3/1 config voters=(1,2,3) learners=(4)`. */
export function formatEntry(e: Entry): string {
  const at = `${e.index}/${e.term}`;
  switch (e.type) {
    case EntryType.Noop:
      return `${at} noop`;
    case EntryType.Command:
      return `${at} cmd ${text(e.data)}`;
    case EntryType.Config:
      return `${at} config ${formatConfig(decodeConfig(e.data))}`;
  }
}

export function formatHardState(h: HardState): string {
  return `term:${h.term} vote:${h.vote ?? '-'} commit:${h.commit}`;
}

export function formatSnapshotMeta(meta: SnapshotMeta): string {
  return `${meta.index}/${meta.term} ${formatConfig(meta.config)}`;
}

/** `from->to Type term:T fields...`; flags (`rejected`, `transfer`) come last. */
export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term:${m.term}`;
  switch (m.type) {
    case 'PreVote':
      return `${head} last:${m.lastLogIndex}/${m.lastLogTerm}`;
    case 'Vote':
      return `${head} last:${m.lastLogIndex}/${m.lastLogTerm}${m.transfer ? ' transfer' : ''}`;
    case 'PreVoteResponse':
    case 'VoteResponse':
      return `${head}${m.reject ? ' rejected' : ''}`;
    case 'Append':
      return `${head} prev:${m.prevIndex}/${m.prevTerm} commit:${m.commit} [${m.entries.map(formatEntry).join(', ')}]`;
    case 'AppendResponse':
      return m.reject
        ? `${head} index:${m.index} rejected hint:${m.hintIndex}/${m.hintTerm}`
        : `${head} index:${m.index}`;
    case 'Heartbeat':
      return `${head} commit:${m.commit}${m.readSeq > 0 ? ` readSeq:${m.readSeq}` : ''}`;
    case 'HeartbeatResponse':
      return `${head} last:${m.lastIndex}${m.readSeq > 0 ? ` readSeq:${m.readSeq}` : ''}`;
    case 'InstallSnapshot':
      return `${head} snap:${m.meta.index}/${m.meta.term} offset:${m.offset} len:${m.chunk.byteLength}${m.done ? ' done' : ''}`;
    case 'InstallSnapshotResponse':
      return `${head} snap:${m.snapshotIndex} offset:${m.offset}${m.reject ? ' rejected' : ''}`;
    case 'TimeoutNow':
      return head;
    case 'ReadIndex':
      return `${head} ctx:${m.context}`;
    case 'ReadIndexResponse':
      return m.reject ? `${head} ctx:${m.context} rejected` : `${head} ctx:${m.context} index:${m.index}`;
    case 'Forward':
      return `${head} seq:${m.seq} proposals:${m.proposals.length}`;
    case 'ForwardResponse':
      return m.reject ? `${head} seq:${m.seq} rejected` : `${head} seq:${m.seq} first:${m.firstIndex}`;
    case 'Probe':
    case 'ProbeResponse':
      return `${head} nonce:${m.nonce}`;
  }
}

/** One summary line per replica. */
export function formatSummary(s: RaftStatus): string {
  return (
    `${s.id}: ${s.role} term:${s.term} vote:${s.vote ?? '-'} leader:${s.leader ?? '-'} ` +
    `commit:${s.commitIndex} applied:${s.appliedIndex} last:${s.lastIndex} snapshot:${s.snapshotIndex}`
  );
}

/** Summary, configuration and (on a leader) one row per peer. */
export function formatStatus(s: RaftStatus): string[] {
  const lines = [
    formatSummary(s),
    `  persisted:${s.persistedIndex} ${formatConfig(s.config)}${s.leadTransferee ? ` transferring-to:${s.leadTransferee}` : ''}`,
  ];
  for (const p of s.peers) {
    lines.push(
      `  peer ${p.id}: ${p.voter ? 'voter' : 'learner'} ${p.state} match:${p.match} next:${p.next} ` +
        `inflight:${p.inflight} silent-ticks:${p.ticksSinceContact}`,
    );
  }
  return lines;
}
