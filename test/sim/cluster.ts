// What the workload and the fault schedule may do to a running simulation.

import type { NodeId } from '../../actors/raft/types.ts';
import type { SafetyChecker } from './invariants.ts';
import type { SimNetwork } from './network.ts';
import type { SimNode } from './node.ts';
import type { Trace } from './trace.ts';

export interface SimStats {
  messagesDelivered: number;
  messagesDropped: number;
  proposals: number;
  reads: number;
  readsServed: number;
  configChanges: number;
  transfers: number;
  crashes: number;
  wipes: number;
  partitions: number;
  snapshotsInstalled: number;
  compactions: number;
  /** Compactions a leader put off while a live peer received a snapshot. */
  compactionsHeld: number;
}

export function emptyStats(): SimStats {
  return {
    messagesDelivered: 0,
    messagesDropped: 0,
    proposals: 0,
    reads: 0,
    readsServed: 0,
    configChanges: 0,
    transfers: 0,
    crashes: 0,
    wipes: 0,
    partitions: 0,
    snapshotsInstalled: 0,
    compactions: 0,
    compactionsHeld: 0,
  };
}

export interface Cluster {
  readonly nodes: readonly SimNode[];
  readonly network: SimNetwork;
  readonly trace: Trace;
  readonly checker: SafetyChecker;
  readonly stats: SimStats;
  now(): number;
  node(id: NodeId): SimNode;
  /** The live replica in the leader role with the highest term, if any. */
  leader(): SimNode | null;
  crash(node: SimNode): void;
  /** Replaces a crashed replica's disk with an empty one. */
  wipe(node: SimNode): void;
  restart(node: SimNode): void;
  /** Issues a ReadIndex request on `node` for a new client read. */
  issueRead(node: SimNode): void;
}
