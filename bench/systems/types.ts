// What the bench driver needs from a system under test: its processes (for memory), its client
// targets (one per transport), and for systems with a leader, a way to find and kill it.

export type SystemName = 'atlas' | 'etcd' | 'jetstream';
export const SYSTEM_NAMES: readonly SystemName[] = ['atlas', 'etcd', 'jetstream'];
export type TargetName = 'atlas-http' | 'etcd-http' | 'atlas-nats' | 'jetstream-kv';
export type Transport = 'http' | 'nats';
export type OpKind = 'put' | 'get';

/** One way of talking to a system. Operations resolve on success and throw on any failure. */
export interface BenchTarget {
  readonly name: TargetName;
  readonly system: SystemName;
  readonly transport: Transport;
  /** How this target's reads are served, for the report (e.g. "linearizable (ReadIndex)"). */
  readonly readSemantics: string;
  put(client: number, key: string, value: Uint8Array): Promise<void>;
  get(client: number, key: string): Promise<void>;
}

export interface ProcessInfo {
  readonly label: string;
  readonly pid: number;
}

export interface LeaderView {
  readonly index: number;
  readonly term: number;
}

/** A cluster with a leader that clients reach over HTTP endpoints `0 … endpointCount - 1`. */
export interface FailoverControl {
  readonly endpointCount: number;
  /** The member that currently leads, and its term. Throws when no live member leads. */
  leader(): Promise<LeaderView>;
  /** SIGKILLs member `index`; returns once the signal is sent. */
  kill(index: number): void;
  /** One put through endpoint `endpoint`, abandoned (thrown) after `timeoutMs`. */
  putVia(endpoint: number, key: string, value: Uint8Array, timeoutMs: number): Promise<void>;
}

export interface RunningSystem {
  readonly name: SystemName;
  /** Server version string, e.g. "etcd 3.4.23". */
  readonly version: string;
  /** Facts the report must state about how this system was run. */
  readonly notes: readonly string[];
  readonly targets: readonly BenchTarget[];
  /** The server processes (members, replicas), for memory readings. */
  processes(): ProcessInfo[];
  /** System-specific cumulative counters summed over its servers (e.g. Raft messages), for per-op costs. */
  counters?(): Promise<Readonly<Record<string, number>>>;
  readonly failover?: FailoverControl;
  stop(): Promise<void>;
}
