// Chat publication on NATS with real processes: a nats-server, three `atlas replica` processes and a
// gateway-style app (NATS backend) in this process. A plain NATS subscriber on
// `atlas.<cluster>.chat.channel.<name>` receives each committed publication once, with its headers;
// after a SIGKILL of the leader, every committed message is published (republications carry the same
// Nats-Msg-Id and bytes) and the gateway's SSE stream delivers every seq once, in order.

import { decode } from '@msgpack/msgpack';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsBackend } from '../../functions/backends/nats.ts';
import { SseReader } from '../functions/harness.ts';
import { waitFor } from '../helpers/nats.ts';
import { ProcessCluster } from '../helpers/process-cluster.ts';
import { chatApp, type App } from './harness.ts';

let cluster: ProcessCluster;
let gatewayNc: NatsConnection;
let subscriberNc: NatsConnection;
let gateway: App;

beforeAll(async () => {
  cluster = await ProcessCluster.start();
  gatewayNc = await connect({ servers: cluster.nats.url });
  subscriberNc = await connect({ servers: cluster.nats.url });
  gateway = chatApp(createNatsBackend({ nc: gatewayNc, cluster: cluster.clusterName }), { heartbeatMs: 500 });
});
afterAll(async () => {
  await gatewayNc?.close();
  await subscriberNc?.close();
  await cluster?.stop();
});

interface Received {
  readonly headers: Record<string, string | undefined>;
  readonly body: Record<string, any>;
  readonly bytes: Uint8Array;
}

function subscribe(subject: string): Received[] {
  const received: Received[] = [];
  subscriberNc.subscribe(subject, {
    callback: (error, msg: Msg) => {
      if (error) return;
      const headers = Object.fromEntries(['Atlas-Type', 'Atlas-From', 'Atlas-Lamport', 'Nats-Msg-Id'].map((h) => [h, msg.headers?.get(h)]));
      received.push({ headers, body: decode(msg.data) as Record<string, any>, bytes: msg.data });
    },
  });
  return received;
}

/** POSTs until acknowledged, retrying 503/504 with the same Idempotency-Key (so nothing commits twice). */
async function postUntilOk(path: string, body: unknown, key: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await gateway.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
    });
    const json = (await res.json()) as any;
    if (res.status === 200) return json;
    if ((res.status !== 503 && res.status !== 504) || Date.now() > deadline) {
      throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}\n${cluster.ids.map((id) => `--- ${id}\n${cluster.output(id).slice(-2000)}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function history(channel: string): Promise<any[]> {
  const messages: any[] = [];
  let after = 0;
  for (;;) {
    const res = await gateway.request(`/v1/chat/channels/${channel}/messages?after=${after}&limit=1000`);
    const page = (await res.json()) as any;
    expect(res.status, JSON.stringify(page)).toBe(200);
    messages.push(...page.messages);
    if (page.next === null) return messages;
    after = page.next;
  }
}

describe('chat publications on NATS', () => {
  it('a plain subscriber receives each committed publication once, with Atlas headers and Nats-Msg-Id', { timeout: 120_000 }, async () => {
    const channelMsgs = subscribe(`atlas.${cluster.clusterName}.chat.channel.geral`);
    const userMsgs = subscribe(`atlas.${cluster.clusterName}.chat.user.bob`);
    await subscriberNc.flush();
    const leader = await cluster.leader();
    await postUntilOk('/v1/chat/login', { user: 'alice' }, 'login-alice');
    await postUntilOk('/v1/chat/login', { user: 'bob' }, 'login-bob');
    await postUntilOk('/v1/chat/channels', { channel: 'geral' }, 'channel-geral');

    const sent: any[] = [];
    for (let i = 0; i < 5; i++) sent.push(await postUntilOk('/v1/chat/channels/geral/messages', { user: 'alice', message: `Olá ${i}` }, `steady-${i}`));
    const dm = await postUntilOk('/v1/chat/users/bob/messages', { src: 'alice', message: 'Oi!' }, 'dm-1');
    await waitFor(() => channelMsgs.length >= 5 && userMsgs.length >= 1, 'publications on NATS');
    await new Promise((r) => setTimeout(r, 500));

    expect(channelMsgs).toHaveLength(5);
    channelMsgs.forEach((m, i) => {
      const { status: _status, ...expected } = sent[i];
      expect(m.body).toEqual(expected);
      expect(m.body).toMatchObject({ seq: i + 1, channel: 'geral', user: 'alice', message: `Olá ${i}` });
      expect(m.headers).toEqual({
        'Atlas-Type': 'chat.publish',
        'Atlas-From': leader,
        'Atlas-Lamport': String(m.body.clock),
        'Nats-Msg-Id': String(m.body.id),
      });
    });
    expect(userMsgs).toHaveLength(1);
    expect(userMsgs[0]!.body).toMatchObject({ id: dm.id, src: 'alice', dst: 'bob', message: 'Oi!', clock: dm.clock });
    expect(userMsgs[0]!.headers['Atlas-Type']).toBe('chat.message');
  });

  it('after a SIGKILL of the leader, every committed message is published and streamed once', { timeout: 120_000 }, async () => {
    const channelMsgs = subscribe(`atlas.${cluster.clusterName}.chat.channel.geral`);
    await subscriberNc.flush();
    const before = (await history('geral')).length;
    const streamRes = await gateway.request(`/v1/chat/channels/geral/stream?after=${before}`);
    expect(streamRes.status).toBe(200);
    const stream = new SseReader(streamRes);
    try {
      const oldLeader = await cluster.leader();
      const acked: any[] = [];
      for (let i = 0; i < 20; i++) {
        if (i === 6) await cluster.kill(oldLeader, 'SIGKILL');
        acked.push(await postUntilOk('/v1/chat/channels/geral/messages', { user: 'alice', message: `burst ${i}` }, `burst-${i}`));
      }
      const newLeader = await cluster.waitForLeader(15_000, oldLeader);
      expect(newLeader).not.toBe(oldLeader);

      const committed = (await history('geral')).slice(before);
      const ackedIds = acked.map((m) => m.id);
      for (const id of ackedIds) expect(committed.filter((m) => m.id === id), `acknowledged ${id} committed once`).toHaveLength(1);
      const committedIds = committed.map((m) => m.id);
      await waitFor(() => committedIds.every((id) => channelMsgs.some((m) => m.body.id === id)), 'every committed id on NATS', 15_000);

      const byId = new Map<number, Received>();
      for (const m of channelMsgs) {
        expect(m.headers['Nats-Msg-Id']).toBe(String(m.body.id));
        const first = byId.get(m.body.id);
        if (first) expect([...m.bytes], 'a republication is byte-identical').toEqual([...first.bytes]);
        else byId.set(m.body.id, m);
      }
      expect([...byId.keys()].sort((a, b) => a - b), 'nothing but committed messages').toEqual(committedIds);
      for (const id of ackedIds) expect(byId.has(id), `acknowledged ${id} published`).toBe(true);
      expect(channelMsgs.some((m) => m.headers['Atlas-From'] === newLeader), 'the new leader publishes').toBe(true);

      // The gateway's SSE stream: every seq once, in order, across the failover.
      const seen: number[] = [];
      const lastSeq = committed.at(-1)!.seq;
      while (seen.at(-1) !== lastSeq) {
        const event = await stream.next(15_000);
        expect(event).not.toBeNull();
        if (event!.event === 'message') seen.push(Number(event!.id));
      }
      expect(seen).toEqual(committed.map((m) => m.seq));
    } finally {
      await stream.cancel();
    }
  });
});
