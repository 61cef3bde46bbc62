import { afterEach, describe, expect, it } from 'vitest';
import { ReplicaApi } from '../../actors/api/replica-api.ts';
import { LEDGER_MACHINE } from '../../actors/ledger/commands.ts';
import { toHex } from '../../actors/ledger/hex.ts';
import { LogCompactedError, readLog, verifyHeldLog } from '../../actors/ledger/log-view.ts';
import type { Replica } from '../../actors/replica/replica.ts';
import { MemoryCluster } from '../helpers/memory-cluster.ts';
import { registerMessage } from '../../actors/ledger/commands.ts';
import { sign } from '../../actors/ledger/keys.ts';
import { newIdentity, sealCommand } from './log-builder.ts';

const enc = new TextEncoder();

let cluster: MemoryCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function waitFor(condition: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function putMany(leader: Replica, prefix: string, count: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = (await leader.propose('kv', { type: 'put', key: `${prefix}${i}`, value: enc.encode(`v${i}`) })).index;
  return last;
}

/** Waits until every running replica applied a seal covering `index`. */
async function sealedOnAll(index: number): Promise<void> {
  await waitFor(() => [...cluster!.replicas.values()].every((r) => (r.ledger.state.lastSeal?.upTo ?? 0) >= index));
}

describe('the ledger on an in-process cluster', () => {
  it('chains every entry identically on every replica, and the leader registers its key and seals', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    const last = await putMany(leader, 'k', 25);
    await sealedOnAll(last);
    const applied = leader.appliedIndex;
    await waitFor(() => [...cluster!.replicas.values()].every((r) => r.appliedIndex >= applied));

    const heads = new Set<string>();
    for (const replica of cluster.replicas.values()) {
      const report = await verifyHeldLog(replica);
      expect(report).toMatchObject({ ok: true, anchor: { index: 0 }, signers: [leader.id] });
      expect(report.sealedThrough).toBeGreaterThanOrEqual(last);
      expect(report.keys[leader.id]).toBe(toHex(leader.publicKey));
      heads.add(toHex(replica.ledger.chain.hashAt(applied)!));
    }
    expect(heads.size).toBe(1);

    const page = readLog(leader, 1, 1000);
    expect(page.entries[0]).toMatchObject({ index: 1, type: 'noop', parent: '0'.repeat(64) });
    for (let i = 1; i < page.entries.length; i++) expect(page.entries[i]!.parent).toBe(page.entries[i - 1]!.hash);
    const put = page.entries.find((e) => e.index === last)!;
    expect(put).toMatchObject({ type: 'command', signer: leader.id, command: { machine: 'kv', command: { type: 'put', key: 'k24' } } });
    expect(put.signature).toMatch(/^[0-9a-f]{128}$/);
    const kinds = page.entries.filter((e) => (e.command as { machine?: string } | null)?.machine === LEDGER_MACHINE);
    expect(kinds.map((e) => (e.command as { command: { type: string } }).command.type).slice(0, 2)).toEqual(['genesis', 'register']);
  });

  it('finds a seal signed with a key that is not the member\'s own, naming its index, on every replica', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    const last = await putMany(leader, 'a', 10);
    await sealedOnAll(last);
    const thief = await newIdentity();
    const forged = await sealCommand(leader.ledger.chain, leader.id, thief, leader.ledger.state.lastSeal!.upTo, leader.appliedIndex);
    const { index } = await leader.propose(LEDGER_MACHINE, forged);
    await waitFor(() => [...cluster!.replicas.values()].every((r) => r.appliedIndex >= index));
    for (const replica of cluster.replicas.values()) {
      const report = await verifyHeldLog(replica);
      expect(report.ok).toBe(false);
      expect(report.failure).toEqual({ index, reason: expect.stringMatching(new RegExp(`not signed by the key registered for ${leader.id}`)) });
    }
  });

  it('finds a seal by a registered key of a replica that is not a member', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    await sealedOnAll(await putMany(leader, 'b', 5));
    const mallory = await newIdentity();
    const proof = await sign(mallory, registerMessage('mallory', mallory.publicKey));
    await leader.propose(LEDGER_MACHINE, { type: 'register', replica: 'mallory', publicKey: mallory.publicKey, proof });
    const forged = await sealCommand(leader.ledger.chain, 'mallory', mallory, 0, leader.appliedIndex);
    const { index } = await leader.propose(LEDGER_MACHINE, forged);
    const report = await verifyHeldLog(leader);
    expect(report.failure).toEqual({ index, reason: expect.stringMatching(/signed as mallory, not a member/) });
  });

  it('refuses ledger commands from API clients', async () => {
    cluster = await MemoryCluster.start();
    const leader = await cluster.waitForLeader();
    const api = new ReplicaApi({ replica: leader, kv: cluster.kvMachines.get(leader.id)!, forward: null });
    const reply = await api.call('propose', { machine: LEDGER_MACHINE, command: { type: 'genesis', voters: ['x'], learners: [] } }, { timeoutMs: 2_000 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/only from replicas/) } });
    const verify = await api.call('log.verify', {}, { timeoutMs: 2_000 });
    expect(verify).toMatchObject({ ok: true, result: { ok: true } });
  });

  it('keeps the chain verifiable across compaction, on the leader and on a replica caught up by snapshot', async () => {
    cluster = await MemoryCluster.start({ snapshotEveryEntries: 30 });
    const leader = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader.id)!;
    await cluster.crash(victim);
    cluster.disks.delete(victim);
    const last = await putMany(leader, 's', 100);
    expect(leader.raftStatus().snapshotIndex).toBeGreaterThan(0);
    const fresh = await cluster.startReplica(victim);
    await waitFor(() => fresh.appliedIndex >= last);
    await sealedOnAll(last);

    for (const replica of [leader, fresh]) {
      const report = await verifyHeldLog(replica);
      expect(report.ok).toBe(true);
      expect(report.anchor.index).toBeGreaterThan(0);
      expect(report.anchor.index).toBe(replica.firstLogIndex() - 1);
      expect(report.sealedThrough).toBeGreaterThanOrEqual(last);
    }
    // The snapshot's recorded head let the fresh replica rebuild the same chain the leader signed.
    expect(toHex(fresh.ledger.chain.hashAt(last)!)).toBe(toHex(leader.ledger.chain.hashAt(last)!));
    expect(() => readLog(leader, 1, 10)).toThrow(LogCompactedError);
  });

  it('a new leader registers its own key and its seals verify after the old ones', async () => {
    cluster = await MemoryCluster.start();
    const first = await cluster.waitForLeader();
    await sealedOnAll(await putMany(first, 'x', 5));
    await cluster.crash(first.id);
    const second = await cluster.waitForLeader();
    const last = await putMany(second, 'y', 5);
    await sealedOnAll(last);
    const report = await verifyHeldLog(second);
    expect(report).toMatchObject({ ok: true, signers: [first.id, second.id].sort() });
    expect(Object.keys(report.keys).sort()).toEqual([first.id, second.id].sort());
  });
});
