// The leader's `events.commit` stream with real processes (a nats-server, three `atlas replica`
// processes, a gateway backend in this process): summaries only while no gateway watches, each
// revision's KV events while one does, and a watch that delivers every revision once and in order
// across a leader kill, whose successor publishes summaries until the gateway renews its lease there.

import { decode } from '@msgpack/msgpack';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitEvent } from '../../actors/api/commit-publisher.ts';
import type { ApiReply } from '../../actors/api/ops.ts';
import { WATCH_INTEREST_LEASE_MS } from '../../actors/api/watch-interest.ts';
import type { WatchEvent } from '../../actors/machines/kv/commands.ts';
import type { Backend } from '../../functions/backend.ts';
import { createNatsBackend } from '../../functions/backends/nats.ts';
import { waitFor } from '../helpers/nats.ts';
import { ProcessCluster } from '../helpers/process-cluster.ts';

let cluster: ProcessCluster;
let gatewayNc: NatsConnection;
let subscriberNc: NatsConnection;
let backend: Backend;
const seen: CommitEvent[] = [];
const enc = new TextEncoder();

beforeAll(async () => {
  cluster = await ProcessCluster.start();
  await cluster.waitForLeader();
  gatewayNc = await connect({ servers: cluster.nats.url });
  subscriberNc = await connect({ servers: cluster.nats.url });
  backend = createNatsBackend({ nc: gatewayNc, cluster: cluster.clusterName });
  subscriberNc.subscribe(`atlas.${cluster.clusterName}.events.commit`, {
    callback: (error, msg) => {
      if (!error) seen.push(decode(msg.data) as CommitEvent);
    },
  });
  await subscriberNc.flush();
});
afterAll(async () => {
  await gatewayNc?.close();
  await subscriberNc?.close();
  await cluster?.stop();
});

/** Puts until acknowledged (a leader change answers 503 for a while); returns the revision. */
async function putUntilOk(key: string, value: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reply: ApiReply = await backend.call('kv.put', { key, value: enc.encode(value), idempotencyKey: `put-${key}` }, { timeoutMs: 5_000 });
    if (reply.ok) return (reply.result as { revision: number }).revision;
    if (Date.now() > deadline) throw new Error(`put ${key}: ${JSON.stringify(reply.error)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function openWatch(prefix: string) {
  const delivered: Array<{ revision: number; events: readonly WatchEvent[] }> = [];
  const ended: string[] = [];
  const stop = backend.watch(prefix, null, {
    events: (revision, events) => delivered.push({ revision, events }),
    synced: () => {},
    end: (reason) => ended.push(reason),
  });
  return { delivered, ended, stop };
}

describe('events.commit', () => {
  it('carries only the revision range while no gateway watches', async () => {
    seen.length = 0;
    const revision = await putUntilOk('quiet/1', 'a');
    await waitFor(() => seen.some((e) => e.toRevision >= revision), 'summary of the put', 5_000);
    const event = seen.find((e) => e.toRevision >= revision)!;
    expect(event.revisions).toBeUndefined();
    expect(event.fromRevision).toBeLessThanOrEqual(revision);
    expect(typeof event.leader).toBe('string');
  });

  it('lists each revision\'s events while a gateway watches, and a watch delivers every revision once, in order, across a leader kill', async () => {
    const watch = openWatch('watched/');
    const stop = await watch.stop;
    try {
      seen.length = 0;
      const first = await putUntilOk('watched/0', 'v0');
      await waitFor(() => seen.some((e) => e.revisions?.some((r) => r.revision === first)), 'full commit event', 5_000);
      const full = seen.find((e) => e.revisions?.some((r) => r.revision === first))!;
      expect(full.revisions!.find((r) => r.revision === first)!.events).toMatchObject([{ type: 'put', key: 'watched/0' }]);

      await cluster.kill(await cluster.leader());
      const revisions = [first];
      for (let i = 1; i <= 20; i++) revisions.push(await putUntilOk(`watched/${i}`, `v${i}`));
      await waitFor(() => watch.delivered.length >= 21, 'every put delivered to the watch', 15_000);
      expect(watch.ended).toEqual([]);
      expect(watch.delivered.map((d) => d.revision)).toEqual(revisions);
      expect(watch.delivered.map((d) => d.events[0]!.key)).toEqual(revisions.map((_, i) => `watched/${i}`));
    } finally {
      stop();
    }
  });

  it('returns to summaries once the last watch closed and its lease ran out', async () => {
    await new Promise((r) => setTimeout(r, WATCH_INTEREST_LEASE_MS + 500));
    seen.length = 0;
    const revision = await putUntilOk('quiet/2', 'b');
    await waitFor(() => seen.some((e) => e.toRevision >= revision), 'summary of the put', 5_000);
    expect(seen.filter((e) => e.toRevision >= revision).every((e) => e.revisions === undefined)).toBe(true);
  });
});
