import { encode as msgpackEncode } from '@msgpack/msgpack';
import { headers } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE_VERSION, encodeMessage } from '../../actors/transport/codec.ts';
import { consensusHeaders, rawHeaderBlock, receivedHeadersMatch } from '../../actors/transport/headers.ts';
import { NatsTransport, createDropCounters } from '../../actors/transport/nats-transport.ts';
import type { DropCounters, NatsTransportOptions } from '../../actors/transport/nats-transport.ts';
import type { Message } from '../../actors/raft/types.ts';
import type { NatsServerHandle } from '../../infra/node/nats-server.ts';
import { NatsTestBed, collect, waitFor, waitForInterest } from '../helpers/nats.ts';
import { SAMPLE_MESSAGES, appendWith, entriesFrom } from './fixtures.ts';

const MEMBERS = new Set(['r1', 'r2', 'r3']);
const bed = new NatsTestBed();
let server: NatsServerHandle;

beforeAll(async () => {
  server = await bed.server();
});
afterAll(() => bed.cleanup());

interface Peer {
  readonly transport: NatsTransport;
  readonly received: Message[];
  readonly nc: NatsConnection;
}

async function peer(self: string, extra: Partial<NatsTransportOptions> = {}, target: NatsServerHandle = server): Promise<Peer> {
  const nc = await bed.connect(target);
  const received: Message[] = [];
  const transport = new NatsTransport({
    nc,
    cluster: 'dev',
    group: 'g0',
    self,
    isMember: (id) => MEMBERS.has(id),
    onMessage: (message) => received.push(message),
    ...extra,
  });
  await nc.flush();
  return { transport, received, nc };
}

function to(message: Message, from: string, recipient: string): Message {
  return { ...message, from, to: recipient };
}

describe('NatsTransport', () => {
  it('exchanges every message type between two replicas with the four headers', async () => {
    const r1 = await peer('r1');
    const r2 = await peer('r2');
    const tap = await bed.connect(server);
    const outbound = SAMPLE_MESSAGES.map((m) => to(m, 'r1', 'r2'));
    const inbound = SAMPLE_MESSAGES.map((m) => to(m, 'r2', 'r1'));
    const tapped = collect(tap, 'atlas.>', outbound.length + inbound.length);
    await tap.flush();

    r1.transport.send(outbound);
    r2.transport.send(inbound);

    await waitFor(() => r2.received.length === outbound.length && r1.received.length === inbound.length, 'delivery');
    expect(r2.received).toEqual(outbound);
    expect(r1.received).toEqual(inbound);
    const seen = await tapped;
    for (const msg of seen) {
      const body = msg.subject.endsWith('.r2') ? outbound : inbound;
      const message = body.find((m) => m.type === msg.headers?.get('Atlas-Type') && String(m.lamport) === msg.headers?.get('Atlas-Lamport'));
      expect(message, `${msg.subject} ${msg.headers?.get('Atlas-Type')}`).toBeDefined();
      expect(msg.subject).toBe(`atlas.dev.raft.g0.${message!.to}`);
      expect(msg.headers?.get('Atlas-From')).toBe(message!.from);
      expect(msg.headers?.get('Atlas-Term')).toBe(String(message!.term));
    }
    expect(r1.transport.stats).toEqual({ sent: outbound.length, delivered: inbound.length });
    expect(Object.values(r1.transport.counters).every((n) => n === 0)).toBe(true);
    await Promise.all([r1.transport.close(), r2.transport.close()]);
  });

  it('sends a batch with one publish per message, synchronously, without flushing', async () => {
    const r2 = await peer('r2');
    const nc = await bed.connect(server);
    const calls: string[] = [];
    const recording = new Proxy(nc, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const r1 = new NatsTransport({ nc: recording, cluster: 'dev', group: 'g0', self: 'r1', isMember: () => true, onMessage: () => {} });
    calls.length = 0;
    const batch: Message[] = Array.from({ length: 50 }, (_, i) => ({ type: 'Heartbeat', from: 'r1', to: 'r2', term: 3, lamport: i, commit: i, readSeq: i }));
    const outMsgsBefore = nc.stats().outMsgs;
    const returned: unknown = r1.send(batch);
    expect(returned).toBeUndefined();
    expect(nc.stats().outMsgs - outMsgsBefore).toBe(50);
    expect(calls).toEqual(Array.from({ length: 50 }, () => 'publish'));
    await waitFor(() => r2.received.length === 50, '50 heartbeats');
    expect(r2.received.map((m) => m.lamport)).toEqual(batch.map((m) => m.lamport));
    await Promise.all([r1.close(), r2.transport.close()]);
  });

  it('drops and counts garbage, foreign, misaddressed, non-member and mislabelled messages', async () => {
    const counters: DropCounters = createDropCounters();
    const drops: string[] = [];
    const r2 = await peer('r2', { counters, onDrop: (reason) => drops.push(reason) });
    const raw = await bed.connect(server);
    const subject = 'atlas.dev.raft.g0.r2';
    const heartbeat = (from: string, recipient: string, lamport: number): Message => ({ type: 'Heartbeat', from, to: recipient, term: 5, lamport, commit: 1, readSeq: 1 });
    const publish = (body: Uint8Array, message?: Message) => raw.publish(subject, body, message ? { headers: consensusHeaders(message) } : {});

    publish(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    publish(new Uint8Array(0));
    publish(new TextEncoder().encode('{"type":"Heartbeat"}'));
    publish(msgpackEncode([WIRE_VERSION, 'dev', 'g0', 42, 'r1', 'r2', 5, 1]));
    const foreign = heartbeat('r1', 'r2', 2);
    publish(encodeMessage(foreign, { cluster: 'prod', group: 'g0' }), foreign);
    publish(encodeMessage(foreign, { cluster: 'dev', group: 'g1' }), foreign);
    publish(encodeMessage(foreign), foreign);
    const misaddressed = heartbeat('r1', 'r3', 3);
    publish(encodeMessage(misaddressed, { cluster: 'dev', group: 'g0' }), misaddressed);
    const outsider = heartbeat('r9', 'r2', 4);
    publish(encodeMessage(outsider, { cluster: 'dev', group: 'g0' }), outsider);
    const forged = heartbeat('r1', 'r2', 5);
    publish(encodeMessage(forged, { cluster: 'dev', group: 'g0' }), heartbeat('r3', 'r2', 5));
    publish(encodeMessage(forged, { cluster: 'dev', group: 'g0' }));
    const wrongTerm = headers();
    for (const [k, v] of consensusHeaders(forged)) wrongTerm.set(k, v[0]!);
    wrongTerm.set('Atlas-Term', '6');
    raw.publish(subject, encodeMessage(forged, { cluster: 'dev', group: 'g0' }), { headers: wrongTerm });
    const good = heartbeat('r1', 'r2', 99);
    publish(encodeMessage(good, { cluster: 'dev', group: 'g0' }), good);

    await waitFor(() => r2.received.length === 1, 'the valid heartbeat');
    expect(r2.received).toEqual([good]);
    expect(counters).toEqual({
      malformed: 3,
      unknown_type: 1,
      foreign_cluster: 3,
      wrong_recipient: 1,
      non_member: 1,
      header_mismatch: 3,
      handler_error: 0,
      send_failed: 0,
    });
    expect(drops).toHaveLength(12);
    expect(r2.transport.counters).toBe(counters);
    await r2.transport.close();
  });

  it('checks headers from the raw block when it is what Atlas writes, and parses any other layout', async () => {
    const r2 = await peer('r2');
    const raw = await bed.connect(server);
    const tap = await bed.connect(server);
    const subject = 'atlas.dev.raft.g0.r2';
    const tapped = collect(tap, subject, 3);
    await tap.flush();
    const beat: Message = { type: 'Heartbeat', from: 'r1', to: 'r2', term: 5, lamport: 77, commit: 1, readSeq: 1 };
    const body = encodeMessage(beat, { cluster: 'dev', group: 'g0' });
    // 1: as Atlas sends it. 2: the same values in another order, plus a header Atlas does not write.
    // 3: the same layout as 1 with a different term.
    raw.publish(subject, body, { headers: consensusHeaders(beat) });
    const reordered = headers();
    reordered.set('Atlas-Lamport', '77');
    reordered.set('Atlas-Term', '5');
    reordered.set('Atlas-From', 'r1');
    reordered.set('Atlas-Type', 'Heartbeat');
    reordered.set('X-Extra', 'yes');
    raw.publish(subject, body, { headers: reordered });
    raw.publish(subject, body, { headers: consensusHeaders({ ...beat, term: 6 }) });
    const [asSent, other, wrong] = await tapped;
    expect(new TextDecoder().decode(rawHeaderBlock(asSent!)!)).toBe(new TextDecoder().decode((consensusHeaders(beat) as unknown as { encode(): Uint8Array }).encode()));
    expect(receivedHeadersMatch(asSent!, beat)).toBe(true);
    expect(receivedHeadersMatch(other!, beat)).toBe(true);
    expect(receivedHeadersMatch(wrong!, beat)).toBe(false);
    await waitFor(() => r2.received.length === 2, 'both well-labelled heartbeats');
    expect(r2.transport.counters.header_mismatch).toBe(1);
    await r2.transport.close();
  });

  it('survives a throwing handler and keeps delivering', async () => {
    let calls = 0;
    const r2 = await peer('r2', {
      onMessage: () => {
        calls++;
        if (calls === 1) throw new Error('handler bug');
      },
    });
    const r1 = await peer('r1');
    r1.transport.send([SAMPLE_MESSAGES[0]!, SAMPLE_MESSAGES[0]!].map((m) => to(m, 'r1', 'r2')));
    await waitFor(() => calls === 2, 'two handler calls');
    expect(r2.transport.counters.handler_error).toBe(1);
    expect(r2.transport.stats.delivered).toBe(1);
    await Promise.all([r1.transport.close(), r2.transport.close()]);
  });

  it('counts publishes the client refuses instead of throwing', async () => {
    const small = await bed.server({ maxPayloadBytes: 1024 });
    const r1 = await peer('r1', {}, small);
    const big = appendWith(entriesFrom(0, 4, 400), 0, { prevTerm: 0 });
    const heartbeat: Message = { type: 'Heartbeat', from: 'r1', to: 'r2', term: 1, lamport: 1, commit: 0, readSeq: 0 };
    r1.transport.send([big, heartbeat]);
    expect(r1.transport.counters.send_failed).toBe(1);
    expect(r1.transport.stats.sent).toBe(1);
    await r1.nc.close();
    expect(() => r1.transport.send([heartbeat])).not.toThrow();
    expect(r1.transport.counters.send_failed).toBe(2);
  });

  it('stops delivering after close', async () => {
    const r2 = await peer('r2');
    const r1 = await peer('r1');
    await r2.transport.close();
    await r2.nc.flush();
    const probe = await bed.connect(server);
    const seen = collect(probe, 'atlas.dev.raft.g0.r2', 1);
    await probe.flush();
    r1.transport.send([to(SAMPLE_MESSAGES[0]!, 'r1', 'r2')]);
    await seen;
    await r2.nc.flush();
    expect(r2.received).toEqual([]);
    r2.transport.send([to(SAMPLE_MESSAGES[0]!, 'r2', 'r1')]);
    expect(r2.transport.stats.sent).toBe(0);
    await r1.transport.close();
  });

  it('refuses a cluster, group or self that is not subject-safe', async () => {
    const nc = await bed.connect(server);
    const base = { nc, cluster: 'dev', group: 'g0', self: 'r1', isMember: () => true, onMessage: () => {} };
    expect(() => new NatsTransport({ ...base, self: 'r1.>' })).toThrow(/replica id/);
    expect(() => new NatsTransport({ ...base, cluster: '*' })).toThrow(/cluster/);
    expect(() => new NatsTransport({ ...base, group: '' })).toThrow(/group/);
  });
});

describe('NatsTransport over a routed cluster', () => {
  it('delivers between replicas connected to different servers', async () => {
    const cluster = await bed.cluster(3);
    const peers = await Promise.all(['r1', 'r2', 'r3'].map((id, i) => peer(id, {}, cluster.servers[i]!)));
    for (const server of cluster.servers) {
      for (const id of ['r1', 'r2', 'r3']) await waitForInterest(server, `atlas.dev.raft.g0.${id}`);
    }
    const vote = (from: string, recipient: string): Message => ({ type: 'Vote', from, to: recipient, term: 2, lamport: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false });
    peers[0]!.transport.send([vote('r1', 'r2'), vote('r1', 'r3')]);
    peers[2]!.transport.send([vote('r3', 'r1')]);
    await waitFor(() => peers[1]!.received.length === 1 && peers[2]!.received.length === 1 && peers[0]!.received.length === 1, 'routed votes');
    expect(peers[1]!.received[0]).toEqual(vote('r1', 'r2'));
    expect(peers[0]!.received[0]).toEqual(vote('r3', 'r1'));
  });
});
