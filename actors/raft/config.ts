// Cluster configuration helpers: encoding of Config entries, membership queries and single-server
// changes. A configuration takes effect as soon as its entry is in a replica's log (Raft thesis §4.1).

import type { ClusterConfig, NodeId } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type ConfigChange =
  | { readonly type: 'addLearner'; readonly node: NodeId }
  | { readonly type: 'promote'; readonly node: NodeId }
  | { readonly type: 'remove'; readonly node: NodeId };

export const EMPTY_CONFIG: ClusterConfig = { voters: [], learners: [] };

export function encodeConfig(config: ClusterConfig): Uint8Array {
  return encoder.encode(JSON.stringify({ voters: [...config.voters], learners: [...config.learners] }));
}

/** Decodes a Config entry's data. Entries come from the replicated log, so a bad one is an invariant break. */
export function decodeConfig(data: Uint8Array): ClusterConfig {
  const parsed = JSON.parse(decoder.decode(data)) as { voters?: unknown; learners?: unknown };
  if (!isIdList(parsed.voters) || !isIdList(parsed.learners)) {
    throw new Error('invariant: malformed configuration entry');
  }
  return { voters: parsed.voters, learners: parsed.learners };
}

function isIdList(value: unknown): value is NodeId[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

export function isVoter(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id);
}

export function isMember(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.learners.includes(id);
}

export function members(config: ClusterConfig): NodeId[] {
  return [...config.voters, ...config.learners];
}

/** Applies one change; returns null when it does not apply to `config` (unknown node, already a member). */
export function applyChange(config: ClusterConfig, change: ConfigChange): ClusterConfig | null {
  const { node } = change;
  switch (change.type) {
    case 'addLearner':
      if (isMember(config, node)) return null;
      return { voters: config.voters, learners: [...config.learners, node] };
    case 'promote':
      if (!config.learners.includes(node)) return null;
      return { voters: [...config.voters, node], learners: config.learners.filter((id) => id !== node) };
    case 'remove':
      if (!isMember(config, node)) return null;
      return {
        voters: config.voters.filter((id) => id !== node),
        learners: config.learners.filter((id) => id !== node),
      };
  }
}
