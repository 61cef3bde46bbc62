// Real replica processes (nats-server, `atlas replica` with data directories and fsync), compacting
// often: the ledger verifies online over NATS on the leader, and offline on each replica's data
// directory after the processes stopped, starting from the head its snapshot recorded.

import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsApiCall } from '../../actors/api/nats-api-client.ts';
import type { LedgerReport } from '../../actors/ledger/verify.ts';
import type { LogPage } from '../../actors/ledger/log-view.ts';
import { verifyDataDir } from '../../infra/cli/verify.ts';
import { ProcessCluster } from '../helpers/process-cluster.ts';

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start({ snapshotEvery: 40 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

async function put(url: string, key: string, value: string): Promise<void> {
  const response = await fetch(`${url}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
}

describe('the ledger of a real cluster', () => {
  it('verifies online on the leader and offline on every data directory after compaction', async () => {
    const leader = await cluster.leader();
    for (let i = 0; i < 150; i++) await put(cluster.url(leader), `ledger-${i}`, `value ${i}`);

    const nc = await connect({ servers: cluster.nats.url });
    try {
      const call = createNatsApiCall({ nc, cluster: cluster.clusterName });
      const verifyOnline = async (): Promise<LedgerReport> => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const reply = await call('log.verify', {}, { timeoutMs: 5_000 });
          expect(reply.ok, JSON.stringify(reply)).toBe(true);
          const report = (reply as { result: LedgerReport }).result;
          if (report.unsealed <= 1 || Date.now() > deadline) return report;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      // Compaction every 40 entries can take the entries just below the sealed head: then one more
      // write moves the head on, until the page below it is still held.
      let online: LedgerReport;
      let page: { ok: boolean; result?: LogPage; error?: { code: string } };
      for (let attempt = 0; ; attempt++) {
        online = await verifyOnline();
        page = (await call('log.read', { from: online.head.index - 4, limit: 3 }, { timeoutMs: 5_000 })) as typeof page;
        if (page.ok || page.error?.code !== 'compacted' || attempt === 20) break;
        await put(cluster.url(leader), `ledger-more-${attempt}`, 'more');
      }
      expect(online.ok).toBe(true);
      expect(online.unsealed).toBeLessThanOrEqual(1);
      expect(online.anchor.index).toBeGreaterThan(0);
      expect(online.signers).toContain(leader);

      expect(page.ok, JSON.stringify(page)).toBe(true);
      const entries = page.result!.entries;
      expect(entries.map((e) => e.index)).toEqual([online.head.index - 4, online.head.index - 3, online.head.index - 2]);
      expect(entries[1]!.parent).toBe(entries[0]!.hash);
      expect(entries.every((e) => e.signer === leader)).toBe(true);
      const compacted = await call('log.read', { from: 1 }, { timeoutMs: 5_000 });
      expect(compacted).toMatchObject({ ok: false, error: { code: 'compacted' } });
    } finally {
      await nc.close();
    }

    // Offline verification checks the entries after each data directory's snapshot. A compaction can
    // land exactly on a replica's last entry and leave none: write until every replica holds some, once
    // the cluster is settled (no index moved for 300 ms: the last writes and their seal applied, any
    // snapshot they made due already taken), so no compaction can still land before the replicas stop.
    const positions = () =>
      Promise.all(
        cluster.ids.map(async (id) => {
          const metrics = await cluster.metrics(id);
          return { last: metrics.get('atlas_last_index') ?? 0, snapshot: metrics.get('atlas_snapshot_index') ?? 0 };
        }),
      );
    for (let attempt = 0; ; attempt++) {
      const before = await positions();
      await new Promise((r) => setTimeout(r, 300));
      const after = await positions();
      const settled = after.every((p, i) => p.last === before[i]!.last && p.snapshot === before[i]!.snapshot);
      if ((settled && after.every((p) => p.last > p.snapshot)) || attempt === 20) break;
      if (settled) await put(cluster.url(leader), `ledger-tail-${attempt}`, 'tail');
    }
    for (const id of cluster.ids) await cluster.kill(id, 'SIGTERM');
    for (const id of cluster.ids) {
      const report = await verifyDataDir(cluster.replicas.get(id)!.dataDir);
      expect(report.ok, `${id}: ${JSON.stringify(report.failure)}`).toBe(true);
      expect(report.anchor.index, id).toBeGreaterThan(0);
      expect(report.checked, id).toBeGreaterThan(0);
      expect(report.seals, id).toBeGreaterThan(0);
      // A data directory's key is registered for its own replica once that replica has led, never for another.
      if (id === leader) expect(report.identity?.registeredAs).toBe(leader);
      else expect([null, id]).toContain(report.identity?.registeredAs ?? null);
    }
  });
});
