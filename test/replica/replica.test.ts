import { afterEach, describe, expect, it } from 'vitest';
import { readLog, verifyHeldLog } from '../../actors/ledger/log-view.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import { NotLeaderError } from '../../actors/raft/errors.ts';
import { seededRng } from '../../actors/raft/rand.ts';
import type { Entry, Message } from '../../actors/raft/types.ts';
import { intervalTicker, systemClock } from '../../actors/replica/ports.ts';
import { Replica } from '../../actors/replica/replica.ts';
import { MemoryDisk, MemoryLogStore } from '../../actors/storage/memory.ts';
import type { SyncOptions } from '../../actors/storage/types.ts';
import { MemoryCluster } from '../helpers/memory-cluster.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

let cluster: MemoryCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function put(key: string, value: string) {
  return { type: 'put', key, value: enc.encode(value) };
}

describe('replica actor over an in-process network', () => {
  it('elects one leader, commits proposals on a majority and serves linearizable reads on followers', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => leader.propose('kv', put(`k${i}`, `v${i}`))));
    expect(results.map((r) => (r.outcome.result as { revision: number }).revision)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const follower = [...cluster.replicas.values()].find((r) => r !== leader)!;
    const value = await follower.linearizable(() => follower.machines.query('kv', { type: 'get', key: 'k49' }));
    expect(dec.decode((value as { value: Uint8Array }).value)).toBe('v49');
    expect(() => follower.append('kv', put('x', 'y'))).toThrow(NotLeaderError);
  });

  it('a new leader takes over after the leader crashes, and no acknowledged write is lost', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    for (let i = 0; i < 20; i++) await leader.propose('kv', put(`a${i}`, 'x'));
    await cluster.crash(leader.id);
    const next = await cluster.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    await next.propose('kv', put('b-after', 'crash'));
    const count = await next.linearizable(() => next.machines.query('kv', { type: 'list', prefix: 'a', limit: 100 }));
    expect((count as { items: unknown[] }).items).toHaveLength(20);
    await cluster.startReplica(leader.id);
    const back = cluster.replicas.get(leader.id)!;
    await waitFor(() => back.leader !== null);
    const seen = await back.linearizable(() => back.machines.query('kv', { type: 'get', key: 'b-after' }));
    expect(seen).not.toBeNull();
  });

  it('catches a wiped replica up by snapshot', async () => {
    cluster = await MemoryCluster.start({ snapshotEveryEntries: 30 });
    const leader = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader.id)!;
    await cluster.crash(victim);
    cluster.disks.delete(victim);
    for (let i = 0; i < 100; i++) await leader.propose('kv', put(`s${i}`, 'x'));
    expect(leader.raftStatus().snapshotIndex).toBeGreaterThan(0);
    const fresh = await cluster.startReplica(victim);
    await waitFor(() => fresh.leader !== null);
    const got = await fresh.linearizable(() => fresh.machines.query('kv', { type: 'get', key: 's99' }));
    expect(got).not.toBeNull();
    expect(fresh.raftStatus().snapshotIndex).toBeGreaterThan(0);
  });

  it('keeps applying writes while a large snapshot is encoded, and compacts at the index it captured', async () => {
    // Slices of 0 ms: one encoder piece (1,024 keys) per turn.
    cluster = await MemoryCluster.start({ snapshotEveryEntries: 400, snapshotSliceMs: 0 });
    const leader = await cluster.waitForLeader();
    // Transactions of 128 new keys up to just below entry 400 (the ledger's own entries are in the log
    // too): the snapshot due after entry 400 holds about 50,000 keys, about 50 slices of encoding.
    let t = 0;
    for (; leader.raftStatus().appliedIndex < 395; t++) {
      const success = Array.from({ length: 128 }, (_, i) => ({ op: 'put', key: `bulk/${t}/${i}`, value: enc.encode('x') }));
      await leader.propose('kv', { type: 'txn', compare: [], success, failure: [] });
    }
    expect(leader.raftStatus().snapshotIndex).toBe(0);
    // Then single writes, one after another, until the log is compacted: some must complete while the
    // snapshot is being encoded (a snapshot built in one go compacts before any of them applies).
    let appliedDuringEncoding = 0;
    let i = 0;
    while (leader.raftStatus().snapshotIndex === 0) {
      const { index } = await leader.propose('kv', put(`single/${i++}`, 'y'));
      if (index > 400 && leader.raftStatus().snapshotIndex === 0) {
        appliedDuringEncoding++;
        // Meanwhile the ledger still reads and verifies the log from where it is held.
        expect(readLog(leader, undefined, 3).entries[0]!.index).toBe(leader.firstLogIndex());
        expect((await verifyHeldLog(leader)).ok).toBe(true);
      }
      if (i > 100_000) throw new Error('the log was never compacted');
    }
    expect(appliedDuringEncoding).toBeGreaterThan(0);
    const snapshotIndex = leader.raftStatus().snapshotIndex;
    expect(snapshotIndex).toBeGreaterThanOrEqual(400);
    expect(snapshotIndex).toBeLessThan(leader.raftStatus().appliedIndex);
    expect(leader.ledger.anchorState.head.index).toBe(snapshotIndex);
    expect((await verifyHeldLog(leader)).ok).toBe(true);
    // A restart restores the snapshot and replays the entries after it: every write is there.
    await cluster.crash(leader.id);
    const back = await cluster.startReplica(leader.id);
    await waitFor(() => back.leader !== null && back.raftStatus().appliedIndex >= snapshotIndex + appliedDuringEncoding);
    const last = await back.linearizable(() => back.machines.query('kv', { type: 'get', key: `single/${i - 1}` }));
    expect(last).not.toBeNull();
    const bulk = await back.linearizable(() => back.machines.query('kv', { type: 'list', prefix: `bulk/${t - 1}/`, limit: 200 }));
    expect((bulk as { items: unknown[] }).items).toHaveLength(128);
  });

  it('catches a wiped replica up by one snapshot while writes keep compacting the log', async () => {
    // The snapshot (about 26 KB) goes out in 64-byte chunks, one in flight: hundreds of round trips,
    // while the writers below fill 30 entries (one compaction interval) in a few milliseconds. A
    // leader that compacted during the stream would need a newer snapshot as soon as this one landed.
    cluster = await MemoryCluster.start({ snapshotEveryEntries: 30, snapshotChunkBytes: 64 });
    const leader = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader.id)!;
    await cluster.crash(victim);
    cluster.disks.delete(victim);
    const big = 'x'.repeat(100);
    for (let i = 0; i < 200; i++) await leader.propose('kv', put(`s${i}`, big));
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      while (writing) {
        await leader.propose('kv', put(`w${w}-${written % 50}`, big));
        written++;
      }
    });
    try {
      const fresh = await cluster.startReplica(victim);
      // The leader's progress for the victim still says 'replicate' from before the crash: wait for
      // an installed snapshot first. Without the hold this chased snapshots for as long as it ran.
      await waitFor(() => fresh.raftStatus().snapshotIndex > 0, 5_000);
      await waitFor(() => leader.raftStatus().peers.find((p) => p.id === victim)?.state === 'replicate', 10_000);
      expect(written).toBeGreaterThan(100);
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    const last = leader.raftStatus().commitIndex;
    const fresh = cluster.replicas.get(victim)!;
    await waitFor(() => fresh.raftStatus().appliedIndex >= last);
  });

  it('expires a TTL key through the log on every replica', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    await leader.propose('kv', { type: 'put', key: 'lease', value: enc.encode('x'), ttlSeconds: 1 });
    await leader.propose('kv', put('keep', 'y'));
    await waitFor(() => [...cluster!.replicas.values()].every((r) => r.machines.query('kv', { type: 'get', key: 'lease' }) === null), 4_000);
    for (const r of cluster.replicas.values()) {
      expect(r.machines.query('kv', { type: 'get', key: 'keep' })).not.toBeNull();
      expect(r.machines.query('kv', { type: 'tombstone', key: 'lease' })).not.toBeNull();
    }
  });

  it('lets the transport flush the Appends of a batch before persisting it, as a store that blocks on fsync needs', async () => {
    // The order the NATS client and the file store impose: sends leave in a microtask, and the file
    // store's fsync blocks the thread as soon as sync() is called, so the store records that moment.
    const events: string[] = [];
    class SyncRecordingStore extends MemoryLogStore {
      private lastIndex = 0;
      override append(entries: readonly Entry[]): void {
        this.lastIndex = entries.at(-1)?.index ?? this.lastIndex;
        super.append(entries);
      }
      override sync(): Promise<void> {
        events.push(`sync ${this.lastIndex}`);
        return super.sync();
      }
    }
    const replica = await Replica.open({
      id: 'r1',
      cluster: 'test',
      bootstrap: { voters: ['r1'], learners: ['r2'] },
      logStore: new SyncRecordingStore(new MemoryDisk()),
      transport: (hooks) => {
        let buffered: Message[] = [];
        // The learner r2 acknowledges every Append at once, so the leader keeps replicating to it.
        const acknowledge = (m: Message) => {
          if (m.type !== 'Append') return;
          const index = m.prevIndex + m.entries.length;
          setTimeout(() => hooks.deliver({ type: 'AppendResponse', from: 'r2', to: 'r1', term: m.term, lamport: m.lamport, reject: false, index, hintIndex: index, hintTerm: m.term }), 0);
        };
        return {
          send(messages) {
            if (buffered.length === 0) {
              queueMicrotask(() => {
                for (const m of buffered) {
                  if (m.type === 'Append' && m.entries.length > 0) events.push(`flush ${m.entries.at(-1)!.index}`);
                  acknowledge(m);
                }
                buffered = [];
              });
            }
            buffered.push(...messages);
          },
          close: async () => {},
        };
      },
      ticker: intervalTicker,
      clock: systemClock,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      rng: seededRng(7),
      machines: [createKvMachine()],
      tickMs: 10,
      sealEveryMs: 0,
    });
    try {
      replica.start();
      await waitFor(() => replica.role === 'leader');
      await new Promise((r) => setTimeout(r, 50));
      events.length = 0;
      const { index } = replica.append('kv', put('k', 'v'));
      await waitFor(() => events.includes(`sync ${index}`));
      await new Promise((r) => setTimeout(r, 0));
      expect(events.indexOf(`flush ${index}`)).toBeGreaterThanOrEqual(0);
      expect(events.indexOf(`flush ${index}`)).toBeLessThan(events.indexOf(`sync ${index}`));
    } finally {
      await replica.stop();
    }
  });
  it('asks its store to sync off the thread only while clients wait on the replica', async () => {
    // Per replica, the offThread flag of every sync that carried entries.
    const syncs = new Map<string, boolean[]>();
    class ModeRecordingStore extends MemoryLogStore {
      private appended = false;
      constructor(
        private readonly id: string,
        disk: MemoryDisk,
      ) {
        super(disk);
      }
      override append(entries: readonly Entry[]): void {
        this.appended ||= entries.length > 0;
        super.append(entries);
      }
      override sync(options?: SyncOptions): Promise<void> {
        if (this.appended) {
          const list = syncs.get(this.id) ?? [];
          list.push(options?.offThread === true);
          syncs.set(this.id, list);
        }
        this.appended = false;
        return super.sync();
      }
    }
    cluster = await MemoryCluster.start({ logStore: (id, disk) => new ModeRecordingStore(id, disk) });
    const leader = await cluster.waitForLeader();
    const [busy, idle] = [...cluster.replicas.values()].filter((r) => r !== leader);
    await new Promise((r) => setTimeout(r, 50));
    syncs.clear();

    // Writes on the leader: its clients wait on it, the followers have none.
    await Promise.all(Array.from({ length: 30 }, (_, i) => leader.propose('kv', put(`l${i}`, 'v'))));
    expect(syncs.get(leader.id)).toContain(true);
    for (const follower of [busy!, idle!]) {
      expect(syncs.get(follower.id)?.length ?? 0).toBeGreaterThan(0);
      expect(syncs.get(follower.id)).not.toContain(true);
    }

    // Writes through one follower: that follower has clients waiting, the other still none.
    syncs.clear();
    await Promise.all(Array.from({ length: 30 }, (_, i) => busy!.submit('kv', put(`f${i}`, 'v'))));
    expect(syncs.get(busy!.id)).toContain(true);
    expect(syncs.get(idle!.id)).not.toContain(true);
  });
  it('applies in log order on every replica when commits arrive while slow syncs run off the thread', async () => {
    // Syncs that take a few milliseconds, so acknowledgements and commit notices arrive during them and
    // the replicas apply durable entries meanwhile; an entry applied out of order stops a replica (its
    // ledger chain and machine host check the order) and fails the writes.
    class SlowSyncStore extends MemoryLogStore {
      override async sync(): Promise<void> {
        await new Promise((r) => setTimeout(r, 3));
        return super.sync();
      }
    }
    cluster = await MemoryCluster.start({ logStore: (_id, disk) => new SlowSyncStore(disk) });
    const leader = await cluster.waitForLeader();
    const followers = [...cluster.replicas.values()].filter((r) => r !== leader);
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 20; i++) writes.push(leader.propose('kv', put(`l${round}-${i}`, 'v')));
      // One follower serves clients (its syncs run off the thread), the other none (inline syncs).
      for (let i = 0; i < 20; i++) writes.push(followers[0]!.submit('kv', put(`f-${round}-${i}`, 'v')));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(writes);
    const listings = await Promise.all(
      [...cluster.replicas.values()].map((r) => r.linearizable(() => r.machines.query('kv', { type: 'list', prefix: '', limit: 1000 }))),
    );
    for (const listing of listings) expect((listing as { items: unknown[] }).items).toHaveLength(400);
    expect(listings[1]).toEqual(listings[0]);
    expect(listings[2]).toEqual(listings[0]);
  });
});
