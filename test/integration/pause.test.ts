// Issue 3: the leader is paused (SIGSTOP) for 5 s while a write load targets every replica, the
// paused one included, then resumed (SIGCONT). A new leader is elected meanwhile; the old leader
// steps down and follows the new term once resumed; it never acknowledges a write it could not
// commit, so every acknowledged write — including those the old leader answered after resuming — is
// present at the end. Requests over the NATS API reach the new leader too: the paused leader's relayed
// subscriptions stop taking requests after a bounded number.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster, sleep, waitUntil } from '../helpers/process-cluster.ts';
import { missingWrites, readAll, startWriteLoad, type WriteOutcome } from '../helpers/write-load.ts';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { DEFAULT_RELAY_BATCH } from '../../actors/api/relay-subscription.ts';
import { apiSubject } from '../../actors/transport/subjects.ts';
import { decodeReply, encodeRequest } from '../../actors/api/wire.ts';
import type { ApiReply } from '../../actors/api/ops.ts';

const VALUE = new TextEncoder().encode('v');
/** Requests per NATS wave, and waves in the flood: 3,200 requests use up the paused leader's share (at most 1,024) with certainty. */
const NATS_WAVE = 400;
const NATS_FLOOD_WAVES = 8;

/** Sends `count` kv.put requests at once over the NATS API; returns how many succeeded and timed out. */
async function natsWave(nc: NatsConnection, cluster: string, tag: string, count: number, timeoutMs: number): Promise<{ ok: number; timedOut: number; other: string[] }> {
  const outcomes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      nc.request(apiSubject(cluster, 'kv.put'), encodeRequest({ key: `pn-${tag}-${i}`, value: VALUE }), { timeout: timeoutMs }).then(
        (msg) => {
          const reply = decodeReply(msg.data) as ApiReply;
          return reply.ok ? 'ok' : `error ${reply.error.code}`;
        },
        (error: Error) => (/timeout/i.test(`${error.message} ${String(error.cause)}`) ? 'timeout' : `failed ${error.message}`),
      ),
    ),
  );
  return {
    ok: outcomes.filter((o) => o === 'ok').length,
    timedOut: outcomes.filter((o) => o === 'timeout').length,
    other: outcomes.filter((o) => o !== 'ok' && o !== 'timeout'),
  };
}

const PAUSE_MS = 8_000;
/** Clients of the held load wait longer than the pause: the paused leader's late answers are observed. */
const HELD_TIMEOUT_MS = PAUSE_MS + 7_000;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});

describe('paused leader with real processes', () => {
  it('a new leader takes over during SIGSTOP; after SIGCONT the old leader steps down and no acknowledged write is lost', async () => {
    const oldLeader = await cluster.leader();
    const oldUrl = cluster.url(oldLeader);
    const before = await cluster.localView(oldLeader);
    const allUrls = cluster.ids.map((id) => cluster.url(id));
    // Round-robin over every replica with the usual client timeout, and a second load that only
    // talks to the leader-to-be-paused and waits out the pause.
    const load = startWriteLoad(() => allUrls, { concurrency: 8, prefix: 'pa', timeoutMs: 3_000 });
    const held = startWriteLoad(() => [oldUrl], { concurrency: 4, prefix: 'ph', timeoutMs: HELD_TIMEOUT_MS });
    await sleep(1_500);
    expect(load.acked.size).toBeGreaterThan(0);
    expect(held.acked.size).toBeGreaterThan(0);

    const stoppedAt = Date.now();
    await cluster.kill(oldLeader, 'SIGSTOP');
    const newLeader = await cluster.waitForLeader(PAUSE_MS - 500, oldLeader);
    const electedAt = Date.now();
    const newView = await cluster.localView(newLeader);
    expect(newView.isLeader).toBe(true);
    expect(newView.term).toBeGreaterThan(before.term);

    // Over the NATS API: the paused leader still holds a share of the queue group at first; once its
    // relayed subscriptions are used up, every request reaches the new leader.
    // A flood first (more than enough for the server to use up the paused leader's share), then a wave
    // sent after it, which must reach the new leader only.
    const nc = await connect({ servers: cluster.nats.url, reconnect: false });
    let flood: Awaited<ReturnType<typeof natsWave>>[];
    let finalWave: Awaited<ReturnType<typeof natsWave>>;
    try {
      const waves: Promise<Awaited<ReturnType<typeof natsWave>>>[] = [];
      for (let i = 0; i < NATS_FLOOD_WAVES; i++) {
        waves.push(natsWave(nc, cluster.clusterName, `f${i}`, NATS_WAVE, 3_000));
        await sleep(100);
      }
      await nc.flush();
      finalWave = await natsWave(nc, cluster.clusterName, 'final', NATS_WAVE, 3_000);
      flood = await Promise.all(waves);
    } finally {
      await nc.close();
    }
    const natsDoneAt = Date.now();
    const natsHeld = flood.reduce((sum, w) => sum + w.timedOut, 0);
    expect(flood.flatMap((w) => w.other)).toEqual([]);
    expect(natsHeld).toBeLessThanOrEqual(2 * DEFAULT_RELAY_BATCH);
    expect(finalWave).toEqual({ ok: NATS_WAVE, timedOut: 0, other: [] });
    expect(natsDoneAt).toBeLessThan(stoppedAt + PAUSE_MS);

    // Writes through the live follower while the old leader is paused: it forwards them to the leader.
    const follower = cluster.ids.find((id) => id !== oldLeader && id !== newLeader)!;
    const viaFollower = startWriteLoad(() => [cluster.url(follower)], { concurrency: 1, prefix: 'pf', timeoutMs: 1_000 });
    await sleep(Math.max(0, stoppedAt + PAUSE_MS - Date.now()));
    const viaFollowerResult = await viaFollower.stop();
    const resumedAt = Date.now();
    await cluster.kill(oldLeader, 'SIGCONT');
    // The old leader's own view: not leader, in a term at least the new leader's, following someone else.
    const stepDown = await waitUntil(
      `${oldLeader} to step down after SIGCONT`,
      async () => {
        const view = await cluster.localView(oldLeader, 1_000);
        return !view.isLeader && view.term >= newView.term && view.leader !== null && view.leader !== oldLeader ? view : null;
      },
      15_000,
      50,
    );
    const steppedDownAt = Date.now();
    const status = await cluster.status(oldLeader);
    expect(status.id === oldLeader && status.role === 'leader').toBe(false);
    expect(status.term).toBeGreaterThanOrEqual(newView.term);

    await sleep(2_000);
    const [result, heldResult] = await Promise.all([load.stop(), held.stop()]);
    const inPause = (o: WriteOutcome) => o.startedAt >= electedAt && o.at < resumedAt;
    const pauseOutcomes = result.outcomes.filter(inPause);
    // Requests to the paused leader answered after SIGCONT: held in its socket or its queue meanwhile.
    const heldByPaused = heldResult.outcomes.filter((o) => o.at >= resumedAt && o.startedAt < resumedAt);
    console.log(
      `pause: ${oldLeader} stopped for ${resumedAt - stoppedAt} ms; ${newLeader} leader after ${electedAt - stoppedAt} ms (term ${before.term} -> ${newView.term}); ` +
        `between election and SIGCONT ${pauseOutcomes.filter((o) => o.ok).length} of ${pauseOutcomes.length} round-robin writes acknowledged; ` +
        `${oldLeader} stepped down ${steppedDownAt - resumedAt} ms after SIGCONT (term ${stepDown.term}, following ${stepDown.leader}); ` +
        `requests held by the paused leader: ${heldByPaused.length}, ${heldByPaused.filter((o) => o.ok).length} acknowledged after SIGCONT; ` +
        `NATS API: ${natsHeld} of ${NATS_FLOOD_WAVES * NATS_WAVE} flooded requests held by the paused leader, all ${NATS_WAVE} of the wave after them acknowledged; ` +
        `writes through ${follower} during the pause: ${viaFollowerResult.acked.size} of ${viaFollowerResult.attempts} acknowledged (1 s timeout); ` +
        `acknowledged in all: ${result.acked.size} of ${result.attempts} round-robin, ${heldResult.acked.size} of ${heldResult.attempts} held`,
    );
    expect(heldByPaused.length).toBeGreaterThan(0);
    expect(pauseOutcomes.some((o) => o.ok)).toBe(true);

    const leader = await cluster.leader();
    for (const [prefix, r] of [['pa-', result], ['ph-', heldResult], ['pf-', viaFollowerResult]] as const) {
      const present = await readAll(cluster.url(leader), prefix);
      expect(missingWrites(r.acked, present), prefix).toEqual([]);
      expect([...present.keys()].filter((k) => !r.attempted.has(k)), prefix).toEqual([]);
      const fromOld = await readAll(oldUrl, prefix);
      expect(missingWrites(r.acked, fromOld), `${prefix} on ${oldLeader}`).toEqual([]);
    }
  });
});
