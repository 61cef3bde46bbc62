// RelaySubscription against a real nats-server: a running owner answers every request with no gap
// while its subscriptions are relayed (fewer than `batch` in flight at once, or any number when it
// reports its demand); an owner that stops running (SIGSTOP, connection still open) is dropped by the
// server after at most 2 x batch requests beyond its recent demand, after which another member of
// the queue group gets all of them.

import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { RelaySubscription } from '../../actors/api/relay-subscription.ts';
import { NatsTestBed, waitFor } from '../helpers/nats.ts';

const OWNER = resolve(import.meta.dirname, 'fixtures/relay-owner.ts');
const bed = new NatsTestBed();
let child: ChildProcess | null = null;

afterEach(async () => {
  if (child) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    child = null;
  }
  await bed.cleanup();
});

/** Sends `count` requests at once; returns how many were answered by each responder ("timeout" for none). */
async function wave(nc: NatsConnection, subject: string, count: number, timeoutMs: number): Promise<Map<string, number>> {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      nc.request(subject, 'ping', { timeout: timeoutMs }).then(
        (msg) => msg.string(),
        (error: Error) => (/timeout/i.test(String(error.message) + String(error.cause)) ? 'timeout' : `error: ${error.message}`),
      ),
    ),
  );
  const tally = new Map<string, number>();
  for (const a of answers) tally.set(a, (tally.get(a) ?? 0) + 1);
  return tally;
}

describe('RelaySubscription', () => {
  it('answers every request while relaying its subscriptions, without a gap', async () => {
    const server = await bed.server();
    const owner = await bed.connect(server);
    const client = await bed.connect(server);
    let handled = 0;
    const relay = new RelaySubscription(owner, {
      subject: 'svc.>',
      queue: 'q',
      batch: 32,
      onMessage: (msg) => {
        handled++;
        msg.respond('ok');
      },
    });
    await owner.flush();
    // Sequential and concurrent requests, many times the batch: "no responders" would reject one.
    for (let i = 0; i < 40; i++) expect((await client.request(`svc.seq`, 'x', { timeout: 2_000 })).string()).toBe('ok');
    for (let i = 0; i < 10; i++) expect(await wave(client, `svc.wave${i}`, 30, 5_000)).toEqual(new Map([['ok', 30]]));
    expect(handled).toBe(340);
    expect(relay.opened).toBeGreaterThanOrEqual(340 / 32);
    relay.close();
    await owner.flush();
    await expect(client.request('svc.after', 'x', { timeout: 1_000 })).rejects.toThrow(/no responders/i);
  });

  it('keeps room for its demand: many times the batch in flight, none refused', async () => {
    const server = await bed.server();
    const client = await bed.connect(server);
    /** 120 clients, started 4 ms apart (and one more per answer at most), each sending requests back to back for 1.5 s; an owner answering after 15 ms. */
    const load = async (withDemand: boolean): Promise<{ ok: number; refused: number; timedOut: number; peak: number }> => {
      const owner = await bed.connect(server);
      let held = 0;
      let peak = 0;
      const relay = new RelaySubscription(owner, {
        subject: 'load.>',
        queue: withDemand ? 'with-demand' : 'without-demand',
        batch: 16,
        onMessage: (msg) => {
          held++;
          peak = Math.max(peak, held);
          setTimeout(() => {
            held--;
            msg.respond('ok');
          }, 15);
        },
        ...(withDemand ? { demand: () => held } : {}),
      });
      await owner.flush();
      let ok = 0;
      let refused = 0;
      let timedOut = 0;
      const until = Date.now() + 1_500;
      await Promise.all(
        Array.from({ length: 120 }, async (_, i) => {
          // Load that grows steadily: client i also waits for i answers, however slow the machine is.
          await new Promise((r) => setTimeout(r, 4 * i));
          while (ok + refused + timedOut < i && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
          while (Date.now() < until) {
            try {
              await client.request(`load.${withDemand}`, 'x', { timeout: 10_000 });
              ok++;
            } catch (error) {
              // "no responders" is the relay's failure; a timeout can only come from a starved machine.
              if (/no responders/i.test(String(error))) refused++;
              else if (/timeout/i.test(String(error))) timedOut++;
              else throw error;
            }
          }
        }),
      );
      relay.close();
      await owner.close();
      return { ok, refused, timedOut, peak };
    };
    const without = await load(false);
    const withDemand = await load(true);
    console.log(`relay under 120 clients, batch 16: without demand ${JSON.stringify(without)}, with demand ${JSON.stringify(withDemand)}`);
    expect(without.refused).toBeGreaterThan(0);
    expect(withDemand.peak).toBeGreaterThan(4 * 16);
    expect(withDemand.ok).toBeGreaterThan(1_000);
    expect(withDemand.refused).toBe(0);
  });

  it('renews its subscriptions after a reconnect and keeps answering', async () => {
    const server = await bed.server();
    const owner = await bed.connect(server, { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    const relay = new RelaySubscription(owner, { subject: 'svc.>', queue: 'q', batch: 16, onMessage: (msg) => msg.respond('ok') });
    await owner.flush();
    expect(relay.opened).toBe(2);
    const again = bed.adopt(await server.restart());
    await waitFor(() => relay.opened === 4, 'the relay to renew after the reconnect', 10_000);
    const client = await bed.connect(again);
    for (let i = 0; i < 4; i++) expect(await wave(client, `svc.r${i}`, 10, 5_000)).toEqual(new Map([['ok', 10]]));
    relay.close();
  });

  /** Starts the relay owner fixture; resolves once it is subscribed. */
  async function startOwner(url: string, batch: number, holdMs?: number): Promise<void> {
    child = spawn(process.execPath, ['--import', 'tsx', OWNER, url, 'svc.>', 'q', String(batch), ...(holdMs !== undefined ? [String(holdMs)] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((ready, fail) => {
      child!.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) ready();
      });
      child!.once('exit', (code) => fail(new Error(`relay owner exited with ${code}`)));
    });
  }

  /** Pauses the owner, lets a standby join the group, and counts the requests the paused owner swallowed. */
  async function lostToPausedOwner(nc: NatsConnection, standby: NatsConnection): Promise<number> {
    child!.kill('SIGSTOP');
    standby.subscribe('svc.>', {
      queue: 'q',
      callback: (_error, msg) => {
        msg.respond('standby');
      },
    });
    await standby.flush();
    let lost = 0;
    let lastWave = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      lastWave = await wave(nc, `svc.w${i}`, 40, 500);
      lost += lastWave.get('timeout') ?? 0;
      if (lastWave.get('standby') === 40) break;
    }
    expect(lastWave).toEqual(new Map([['standby', 40]]));
    return lost;
  }

  it('stops receiving requests after at most 2 x batch once its process is paused', async () => {
    const batch = 16;
    const server = await bed.server();
    await startOwner(server.url, batch);
    const client = await bed.connect(server);
    for (let i = 0; i < 5; i++) expect(await wave(client, `svc.warm${i}`, 15, 5_000)).toEqual(new Map([['owner', 15]]));
    const lost = await lostToPausedOwner(client, await bed.connect(server));
    console.log(`relay: the paused owner held ${lost} requests (batch ${batch})`);
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThanOrEqual(2 * batch);
  });

  it('with a demand, stops after at most 2 x batch beyond the demand of the last seconds', async () => {
    const batch = 16;
    const server = await bed.server();
    await startOwner(server.url, batch, 20);
    const client = await bed.connect(server);
    // Waves growing to 60 requests held 20 ms each: the relay follows the demand up to 60 at once, well
    // over 2 x batch (a first wave of 60 from idle would outrun it).
    for (const [i, size] of [15, 25, 35, 45, 55, 60, 60].entries()) expect(await wave(client, `svc.warm${i}`, size, 5_000)).toEqual(new Map([['owner', size]]));
    const lost = await lostToPausedOwner(client, await bed.connect(server));
    console.log(`relay: the paused owner with a demand of 60 held ${lost} requests (batch ${batch})`);
    expect(lost).toBeGreaterThan(2 * batch);
    expect(lost).toBeLessThanOrEqual(2 * batch + 60);
  });
});
