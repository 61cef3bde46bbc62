// An in-process cluster of real replicas (real core, real state machines) over a MemoryNetwork and
// MemoryDisks, ticking on real timers. Used by replica and HTTP contract tests that do not need
// separate processes.

import { createKvMachine, KV_MACHINE_NAME, type KvMachine } from '../../actors/machines/kv/machine.ts';
import type { AnyMachineDefinition } from '../../actors/machines/types.ts';
import { seededRng } from '../../actors/raft/rand.ts';
import type { NodeId } from '../../actors/raft/types.ts';
import { intervalTicker, systemClock, type Logger } from '../../actors/replica/ports.ts';
import { Replica } from '../../actors/replica/replica.ts';
import { MemoryDisk, MemoryLogStore } from '../../actors/storage/memory.ts';
import type { LogStore } from '../../actors/storage/types.ts';
import { MemoryNetwork } from './memory-network.ts';

export interface MemoryClusterOptions {
  readonly size?: number;
  readonly tickMs?: number;
  readonly snapshotEveryEntries?: number;
  readonly snapshotChunkBytes?: number;
  readonly snapshotSliceMs?: number;
  /** A fresh set of machines for each replica start (never share one instance between replicas). */
  readonly machines?: (id: NodeId) => AnyMachineDefinition[];
  readonly seed?: number;
  /** The log store of each replica start; default a MemoryLogStore on the replica's disk. */
  readonly logStore?: (id: NodeId, disk: MemoryDisk) => LogStore | Promise<LogStore>;
  /** Consensus messages travel as encoded wire frames (see MemoryNetwork). */
  readonly wire?: boolean;
}

const quietLogger: Logger = { info: () => {}, warn: () => {}, error: (line) => console.error(line) };

export class MemoryCluster {
  readonly network: MemoryNetwork;
  readonly disks = new Map<NodeId, MemoryDisk>();
  readonly replicas = new Map<NodeId, Replica>();
  /** The KV machine instance each running replica applies to (for watches and backends). */
  readonly kvMachines = new Map<NodeId, KvMachine>();
  readonly ids: NodeId[];
  private readonly rng;

  constructor(private readonly opts: MemoryClusterOptions = {}) {
    this.network = new MemoryNetwork({ wire: opts.wire ?? false });
    this.ids = Array.from({ length: opts.size ?? 3 }, (_, i) => `r${i + 1}`);
    this.rng = seededRng(opts.seed ?? 42);
  }

  static async start(opts: MemoryClusterOptions = {}): Promise<MemoryCluster> {
    const cluster = new MemoryCluster(opts);
    for (const id of cluster.ids) await cluster.startReplica(id);
    return cluster;
  }

  async startReplica(id: NodeId, bootstrap: boolean = this.ids.includes(id)): Promise<Replica> {
    let disk = this.disks.get(id);
    if (!disk) {
      disk = new MemoryDisk();
      this.disks.set(id, disk);
    }
    const machines = this.opts.machines?.(id) ?? [createKvMachine()];
    const kv = machines.find((m) => m.name === KV_MACHINE_NAME && 'eventsSince' in m) as KvMachine | undefined;
    const replica = await Replica.open({
      id,
      cluster: 'test',
      bootstrap: bootstrap ? { voters: this.ids, learners: [] } : null,
      logStore: (await this.opts.logStore?.(id, disk)) ?? new MemoryLogStore(disk),
      transport: this.network.transportFor(id),
      ticker: intervalTicker,
      clock: systemClock,
      logger: quietLogger,
      rng: seededRng(this.rng.nextInt(2 ** 31)),
      machines,
      tickMs: this.opts.tickMs ?? 10,
      snapshotEveryEntries: this.opts.snapshotEveryEntries ?? 20_000,
      ...(this.opts.snapshotChunkBytes !== undefined ? { snapshotChunkBytes: this.opts.snapshotChunkBytes } : {}),
      ...(this.opts.snapshotSliceMs !== undefined ? { snapshotSliceMs: this.opts.snapshotSliceMs } : {}),
    });
    this.replicas.set(id, replica);
    if (kv) this.kvMachines.set(id, kv);
    else this.kvMachines.delete(id);
    replica.start();
    return replica;
  }

  /** Stops a replica as a crash would: unsynced writes are lost. */
  async crash(id: NodeId): Promise<void> {
    const replica = this.replicas.get(id);
    this.replicas.delete(id);
    this.kvMachines.delete(id);
    this.disks.get(id)!.crash();
    await replica?.stop().catch(() => {});
  }

  async waitForLeader(timeoutMs = 5_000): Promise<Replica> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leaders = [...this.replicas.values()].filter((r) => r.role === 'leader');
      if (leaders.length === 1) return leaders[0]!;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no leader elected in time');
  }

  async stop(): Promise<void> {
    for (const r of this.replicas.values()) await r.stop().catch(() => {});
    this.replicas.clear();
  }
}
