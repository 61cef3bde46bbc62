// Renders a replica's counters as Prometheus text (served at /metrics).

import type { Replica } from './replica.ts';

export function renderReplicaMetrics(replica: Replica, extra: Record<string, number> = {}): string {
  const s = replica.raftStatus();
  const m = replica.metrics;
  const bytes = replica.storageBytes();
  const labels = `{cluster="${replica.cluster}",replica="${replica.id}"}`;
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number, type = 'gauge') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  gauge('atlas_is_leader', '1 when this replica is the leader', s.role === 'leader' ? 1 : 0);
  gauge('atlas_term', 'Current Raft term', s.term);
  gauge('atlas_commit_index', 'Highest committed log index', s.commitIndex);
  gauge('atlas_applied_index', 'Highest applied log index', replica.appliedIndex);
  gauge('atlas_last_index', 'Last log index', s.lastIndex);
  gauge('atlas_snapshot_index', 'Index of the latest snapshot', s.snapshotIndex);
  gauge('atlas_lamport', 'Lamport clock', s.lamport);
  gauge('atlas_log_bytes', 'Bytes held by the log', bytes.log);
  gauge('atlas_snapshot_bytes', 'Bytes held by the latest snapshot', bytes.snapshot);
  gauge('atlas_leader_changes_total', 'Leader changes seen', m.leaderChanges, 'counter');
  gauge('atlas_proposals_total', 'Proposals appended by this replica as leader', m.proposals, 'counter');
  gauge('atlas_applied_entries_total', 'Entries applied', m.appliedEntries, 'counter');
  gauge('atlas_reads_total', 'Linearizable reads served', m.readsServed, 'counter');
  gauge('atlas_syncs_total', 'Durable syncs of the log', m.syncs, 'counter');
  gauge('atlas_raft_messages_sent_total', 'Raft messages handed to the transport', m.raftMessagesSent, 'counter');
  for (const [name, value] of Object.entries(extra)) gauge(name, name.replaceAll('_', ' '), value);
  for (const h of [m.fsyncLatencyMs, m.applyLatencyMs, m.commitLatencyMs, m.batchEntries]) lines.push(h.render());
  return lines.join('\n') + '\n';
}
