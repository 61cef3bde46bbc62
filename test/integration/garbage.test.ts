// Issue 3: garbage on every Atlas subject while a write load runs. A plain NATS client publishes
// random bytes, wrong msgpack shapes and well-formed but foreign consensus messages on every
// replica's raft subject, malformed requests on every API subject (with and without a reply
// subject) and junk on the event and chat subjects. Every replica stays up, the term does not move,
// the drop counters count the junk, requests get error replies, and the store holds exactly what the
// load wrote.

import { decode as decodeMsgpack, encode as encodeMsgpack } from '@msgpack/msgpack';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_OPS } from '../../actors/api/ops.ts';
import { EntryType, type Message } from '../../actors/raft/types.ts';
import { WIRE_VERSION, encodeMessage } from '../../actors/transport/codec.ts';
import { consensusHeaders } from '../../actors/transport/headers.ts';
import { ProcessCluster, sleep, waitUntil } from '../helpers/process-cluster.ts';
import { missingWrites, readAll, startWriteLoad } from '../helpers/write-load.ts';

const GROUP = 'g0';
/** Every forged term is at least this; a replica that believed one would show a term this high. */
const FORGED_TERM = 1_000_000;
const RAFT_DROP_REASONS = ['malformed', 'unknown_type', 'foreign_cluster', 'wrong_recipient', 'non_member', 'header_mismatch'] as const;
/** Ops whose garbage bodies below are all invalid requests: each must be answered with an error. */
const OPS_NEEDING_FIELDS = new Set<string>([
  'kv.put', 'kv.get', 'kv.delete', 'txn', 'propose', 'query',
  'members.add', 'members.promote', 'members.remove', 'leader.transfer',
]);

let cluster: ProcessCluster;
let nc: NatsConnection;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
  nc = await connect({ servers: cluster.nats.url, name: 'garbage-test' });
});
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

/** Deterministic bytes (xorshift32): a failure replays with ATLAS_GARBAGE_SEED set to the printed seed. */
function bytesGenerator(seed: number): (length: number, first?: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (length, first) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    if (first !== undefined && length > 0) out[0] = first;
    return out;
  };
}

const text = (s: string) => new TextEncoder().encode(s);

/** Consensus frames that are well-formed msgpack but must never reach Raft on `target`. */
function forgedFrames(c: string, target: string, members: readonly string[], leader: string): { what: string; body: Uint8Array; headers?: MsgHdrs }[] {
  const scope = { cluster: c, group: GROUP };
  const other = members.find((m) => m !== target)!;
  let term = FORGED_TERM;
  const frames: { what: string; body: Uint8Array; headers?: MsgHdrs }[] = [];
  const signed = (what: string, m: Message, s = scope) => frames.push({ what, body: encodeMessage(m, s), headers: consensusHeaders(m) });
  // From a non-member, correctly encoded and with matching headers.
  signed('Vote from non-member r9', { type: 'Vote', from: 'r9', to: target, term: term++, lamport: 1, lastLogIndex: 1e9, lastLogTerm: FORGED_TERM * 2, transfer: true });
  signed('PreVote from non-member r9', { type: 'PreVote', from: 'r9', to: target, term: term++, lamport: 1, lastLogIndex: 1e9, lastLogTerm: FORGED_TERM * 2 });
  signed('TimeoutNow from non-member r9', { type: 'TimeoutNow', from: 'r9', to: target, term: term++, lamport: 1 });
  signed('Heartbeat from non-member r9', { type: 'Heartbeat', from: 'r9', to: target, term: term++, lamport: 1, commit: 1e9, readSeq: 1 });
  signed('Append from non-member r9 overwriting index 1', {
    type: 'Append', from: 'r9', to: target, term: term++, lamport: 1, prevIndex: 0, prevTerm: 0, commit: 1,
    entries: [{ index: 1, term: FORGED_TERM, lamport: 1, type: EntryType.Command, data: text('{"type":"put","key":"forged","value":"x"}') }],
  });
  signed('InstallSnapshot from non-member r9', {
    type: 'InstallSnapshot', from: 'r9', to: target, term: term++, lamport: 1, offset: 0, done: true, chunk: text('not a snapshot'),
    meta: { index: 1e6, term: FORGED_TERM, lamport: 1, config: { voters: ['r9'], learners: [] } },
  });
  // From a member, but addressed to another replica.
  signed(`Vote from ${other} with to=${other}`, { type: 'Vote', from: other, to: other, term: term++, lamport: 1, lastLogIndex: 1e9, lastLogTerm: FORGED_TERM, transfer: true });
  // From a member, but scoped to another cluster or group.
  signed('Vote scoped to another cluster', { type: 'Vote', from: other, to: target, term: term++, lamport: 1, lastLogIndex: 1e9, lastLogTerm: FORGED_TERM, transfer: true }, { cluster: 'other', group: GROUP });
  signed('Vote scoped to another group', { type: 'Vote', from: other, to: target, term: term++, lamport: 1, lastLogIndex: 1e9, lastLogTerm: FORGED_TERM, transfer: true }, { cluster: c, group: 'g7' });
  // Bodies from members whose headers are missing or disagree with them.
  const timeoutNow: Message = { type: 'TimeoutNow', from: leader === target ? other : leader, to: target, term: term++, lamport: 1 };
  frames.push({ what: 'TimeoutNow from a member without headers', body: encodeMessage(timeoutNow, scope) });
  const vote: Message = { type: 'Vote', from: other, to: target, term: term++, lamport: 1, lastLogIndex: 1e9, lastLogTerm: FORGED_TERM, transfer: true };
  const fromR9 = consensusHeaders(vote);
  fromR9.set('Atlas-From', 'r9');
  frames.push({ what: 'Vote whose Atlas-From header says r9', body: encodeMessage(vote, scope), headers: fromR9 });
  const wrongTerm = consensusHeaders(vote);
  wrongTerm.set('Atlas-Term', '1');
  frames.push({ what: 'Vote whose Atlas-Term header disagrees', body: encodeMessage(vote, scope), headers: wrongTerm });
  // Unknown type and unsupported version.
  frames.push({ what: 'unknown type code 99', body: encodeMsgpack([WIRE_VERSION, c, GROUP, 99, other, target, term++, 1]) });
  frames.push({ what: 'wire version 2', body: encodeMsgpack([2, c, GROUP, 3, other, target, term++, 1, 1, 1, false]) });
  return frames;
}

/** Valid msgpack of the wrong shape for a consensus frame. */
function wrongShapes(c: string, target: string): Uint8Array[] {
  return [
    encodeMsgpack({ type: 'Vote', from: 'r2', to: target, term: FORGED_TERM }),
    encodeMsgpack('Vote'),
    encodeMsgpack(42),
    encodeMsgpack(null),
    encodeMsgpack([]),
    encodeMsgpack([WIRE_VERSION, c, GROUP]),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 3, 'r2', target, -5, 1, 1, 1, false]),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 3, 'r2', target, 'x', 1, 1, 1, false]),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 3, 'r2', target, FORGED_TERM, 1, 1, 1, false, 'extra']),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 3, 'r.*', target, FORGED_TERM, 1, 1, 1, false]),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 5, 'r2', target, FORGED_TERM, 1, 0, 0, 0, [1, new Uint8Array([1, 2, 3])]]),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 5, 'r2', target, FORGED_TERM, 1, 0, 0, 0, [1e9, new Uint8Array(0)]]),
    encodeMsgpack([WIRE_VERSION, c, GROUP, 9, 'r2', target, FORGED_TERM, 1, [1, 1, 1, 'r2', []], 0, new Uint8Array(4), true]),
    text('{"type":"Vote"}'),
  ];
}

/**
 * API request bodies and the ops that must answer them with an error: `all`, or those ops of
 * OPS_NEEDING_FIELDS listed. (An empty txn is a valid no-op; a delete of a string key is valid.)
 */
function apiBodies(bytes: (n: number, first?: number) => Uint8Array): { what: string; body: Uint8Array; errorFor: 'all' | ReadonlySet<string> }[] {
  const needing = (...except: string[]) => new Set([...OPS_NEEDING_FIELDS].filter((op) => !except.includes(op)));
  return [
    { what: 'random bytes', body: bytes(200, 0xc1), errorFor: 'all' },
    { what: 'one byte', body: new Uint8Array([0xc1]), errorFor: 'all' },
    { what: 'truncated msgpack map', body: new Uint8Array([0x82, 0xa3, 0x6b]), errorFor: 'all' },
    { what: 'bad JSON', body: text('{"key": "garbage-json", "value": '), errorFor: 'all' },
    { what: 'JSON array', body: text('[1, 2, 3]'), errorFor: 'all' },
    { what: 'JSON null', body: text('null'), errorFor: 'all' },
    { what: 'msgpack array', body: encodeMsgpack(['kv.put', 'garbage-array', 'x']), errorFor: 'all' },
    { what: 'msgpack string', body: encodeMsgpack('garbage-string'), errorFor: 'all' },
    { what: 'bad base64 value', body: text('{"key":"garbage-b64","value":"%%%","encoding":"base64"}'), errorFor: 'all' },
    { what: 'empty body', body: new Uint8Array(0), errorFor: needing('txn') },
    {
      what: 'JSON of wrong types',
      body: text(JSON.stringify({
        key: 12, value: { nested: true }, id: 3, to: false, machine: [], command: 5, query: 1, compare: 'nope', success: 7,
        failure: null, prefix: {}, after: 4, limit: 'ten', consistency: 'sometimes', ifRevision: 'x', wait: 'maybe', learner: 'yes',
      })),
      errorFor: needing(),
    },
    { what: 'JSON put with a numeric value', body: text('{"key":"garbage-num","value":123}'), errorFor: new Set(['kv.put']) },
    { what: 'msgpack with wrong types', body: encodeMsgpack({ key: 5, value: 'x', id: 7, to: 1, machine: 2, command: 'x', compare: 1 }), errorFor: needing() },
    {
      what: 'txn with a bad op',
      body: text('{"compare":[],"success":[{"op":"put","key":9,"value":"x"},{"op":"explode","key":"garbage-txn"}],"failure":[{"op":"put"}]}'),
      errorFor: new Set(['txn']),
    },
  ];
}

type Reply = { ok: boolean; error?: { code: string } };

function decodeReply(data: Uint8Array): Reply {
  const raw = new TextDecoder().decode(data);
  try {
    return JSON.parse(raw) as Reply;
  } catch {
    return decodeMsgpack(data) as Reply;
  }
}

async function requestWithRetry(subject: string, body: Uint8Array, headers?: MsgHdrs): Promise<Reply> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const msg = await nc.request(subject, body, { timeout: 5_000, ...(headers ? { headers } : {}) });
      return decodeReply(msg.data);
    } catch (error) {
      // "No responders" only while leadership is moving; anything else is a failure.
      if (!/no responders/i.test(String(error)) || Date.now() > deadline) throw new Error(`${subject}: ${String(error)}`);
      await sleep(100);
    }
  }
}

function droppedCounts(metrics: Map<string, number>): Record<string, number> {
  return Object.fromEntries(RAFT_DROP_REASONS.map((r) => [r, metrics.get(`atlas_dropped_messages_${r}`) ?? 0]));
}

describe('garbage on every subject with real processes', () => {
  it('junk on raft, api, event and chat subjects changes nothing and crashes nothing', async () => {
    const c = cluster.clusterName;
    const leader = await cluster.leader();
    const seed = Number(process.env.ATLAS_GARBAGE_SEED) || (Date.now() & 0xffffffff) >>> 0;
    const bytes = bytesGenerator(seed);
    const pids = Object.fromEntries(cluster.ids.map((id) => [id, cluster.pid(id)]));
    const load = startWriteLoad(() => cluster.liveUrls(), { concurrency: 4, prefix: 'gl' });
    await sleep(1_000);
    const before = Object.fromEntries(await Promise.all(cluster.ids.map(async (id) => [id, { view: await cluster.localView(id), dropped: droppedCounts(await cluster.metrics(id)) }] as const)));
    const startedAt = Date.now();

    // Consensus subjects.
    let raftMessages = 0;
    for (const target of cluster.ids) {
      const subject = `atlas.${c}.raft.${GROUP}.${target}`;
      for (const size of [0, 1, 2, 3, 7, 8, 9, 64, 255, 1_000, 4_096, 65_536, 1_048_576]) {
        nc.publish(subject, bytes(size));
        nc.publish(subject, bytes(size, 0x9b)); // a msgpack array header first
        raftMessages += 2;
      }
      for (const body of wrongShapes(c, target)) {
        nc.publish(subject, body);
        nc.publish(subject, body, { headers: consensusHeaders({ type: 'Vote', from: 'r9', to: target, term: FORGED_TERM, lamport: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false }) });
        raftMessages += 2;
      }
      for (const frame of forgedFrames(c, target, cluster.ids, leader)) {
        nc.publish(subject, frame.body, frame.headers ? { headers: frame.headers } : {});
        raftMessages++;
      }
      const junkHeaders = natsHeaders();
      junkHeaders.set('Atlas-Type', 'Vote');
      junkHeaders.set('Atlas-Term', 'NaN');
      nc.publish(subject, bytes(100), { headers: junkHeaders });
      raftMessages++;
    }
    // Subjects next to the raft ones: other groups, unknown replicas, extra tokens.
    for (const subject of [`atlas.${c}.raft.g1.r1`, `atlas.${c}.raft.${GROUP}.r9`, `atlas.${c}.raft.${GROUP}`, `atlas.${c}.raft.${GROUP}.r1.extra`, `atlas.${c}.raft`]) {
      nc.publish(subject, bytes(64));
    }
    await nc.flush();

    // API subjects: every op and unknown ones, with a reply subject and without.
    const ops = [...API_OPS, 'nope', 'kv.put.extra', 'kv', 'members', '_INBOX'];
    let requests = 0;
    const replies: { op: string; what: string; reply: Reply; mustFail: boolean }[] = [];
    for (const op of ops) {
      for (const { what, body, errorFor } of apiBodies(bytes)) {
        const subject = `atlas.${c}.api.${op}`;
        nc.publish(subject, body);
        const timeoutHeader = natsHeaders();
        timeoutHeader.set('Atlas-Timeout-Ms', requests % 2 === 0 ? 'soon' : '-5');
        const reply = await requestWithRetry(subject, body, requests % 3 === 0 ? timeoutHeader : undefined);
        requests += 2;
        const known = (API_OPS as readonly string[]).includes(op);
        replies.push({ op, what, reply, mustFail: !known || errorFor === 'all' || errorFor.has(op) });
      }
    }

    // Event and chat subjects: nothing in a replica must care.
    let others = 0;
    for (const kind of ['leader', 'commit', 'member', 'bogus']) {
      for (const body of [bytes(0), bytes(50), encodeMsgpack({ term: FORGED_TERM, leader: 'r9', lamport: FORGED_TERM }), text('{"leader":"r9","term":1000000}')]) {
        nc.publish(`atlas.${c}.events.${kind}`, body);
        others++;
      }
    }
    for (const subject of [`atlas.${c}.chat.channel.general`, `atlas.${c}.chat.user.r9`, `atlas.${c}.unknown`, `atlas.${c}`]) {
      nc.publish(subject, bytes(128));
      others++;
    }
    await nc.flush();
    const sentMs = Date.now() - startedAt;

    await sleep(2_000);
    const result = await load.stop();

    // Every replica is the same process, alive, and the leader is healthy.
    for (const id of cluster.ids) {
      expect(cluster.isRunning(id), `${id} exited:\n${cluster.output(id).slice(-2_000)}`).toBe(true);
      expect(cluster.pid(id)).toBe(pids[id]);
    }
    const currentLeader = await cluster.leader();
    await waitUntil('/health 200 on the leader', async () => (await fetch(`${cluster.url(currentLeader)}/health`)).status === 200, 10_000);

    // No term moved, no leader changed.
    const after = Object.fromEntries(await Promise.all(cluster.ids.map(async (id) => [id, { view: await cluster.localView(id), dropped: droppedCounts(await cluster.metrics(id)) }] as const)));
    for (const id of cluster.ids) {
      expect(after[id]!.view.term, `${id} term`).toBeLessThan(FORGED_TERM);
      expect(after[id]!.view.term, `${id} term`).toBe(before[id]!.view.term);
      expect(after[id]!.view.leaderChanges, `${id} leader changes`).toBe(before[id]!.view.leaderChanges);
    }
    expect(currentLeader).toBe(leader);

    // Every kind of junk was counted as dropped on every replica.
    for (const id of cluster.ids) {
      for (const reason of RAFT_DROP_REASONS) {
        expect(after[id]!.dropped[reason], `${id} atlas_dropped_messages_${reason}`).toBeGreaterThan(before[id]!.dropped[reason]!);
      }
    }

    // Every API request got a reply; the invalid ones an error.
    const wronglyAccepted = replies.filter((r) => r.mustFail && r.reply.ok !== false).map((r) => `${r.op} / ${r.what}`);
    expect(wronglyAccepted).toEqual([]);
    expect(replies.filter((r) => typeof r.reply.ok !== 'boolean').map((r) => `${r.op} / ${r.what}`)).toEqual([]);

    // The store holds every acknowledged write and nothing the load did not write.
    const everything = await readAll(cluster.url(currentLeader), '');
    expect(missingWrites(result.acked, everything)).toEqual([]);
    expect([...everything.keys()].filter((k) => !result.attempted.has(k))).toEqual([]);

    const droppedTotal = (side: typeof before) => cluster.ids.reduce((sum, id) => sum + Object.values(side[id]!.dropped).reduce((a, b) => a + b, 0), 0);
    console.log(
      `garbage (seed ${seed}): ${raftMessages} raft, ${requests} api (${replies.length} with a reply, ${replies.filter((r) => !r.reply.ok).length} errors), ` +
        `${others} event/chat messages sent in ${sentMs} ms; dropped counters ${droppedTotal(before)} -> ${droppedTotal(after)}; ` +
        `terms ${cluster.ids.map((id) => after[id]!.view.term).join('/')}; ${result.acked.size} writes acknowledged of ${result.attempts}, ${everything.size} keys stored`,
    );
  });

  it('API replies carry Atlas-Type, Atlas-From and Atlas-Lamport', async () => {
    const c = cluster.clusterName;
    const leader = await cluster.leader();
    const ask = async (op: string, body: Uint8Array) => {
      const msg = await nc.request(`atlas.${c}.api.${op}`, body, { timeout: 5_000 });
      return { type: msg.headers?.get('Atlas-Type'), from: msg.headers?.get('Atlas-From'), lamport: Number(msg.headers?.get('Atlas-Lamport')) };
    };
    const put = await ask('kv.put', text('{"key":"headers/a","value":"1"}'));
    expect(put).toMatchObject({ type: 'kv.put.reply', from: leader });
    expect(put.lamport).toBeGreaterThan(0);
    const get = await ask('kv.get', encodeMsgpack({ key: 'headers/a' }));
    expect(get).toMatchObject({ type: 'kv.get.reply', from: leader });
    expect(get.lamport).toBeGreaterThanOrEqual(put.lamport);
    expect(await ask('nope', text('{}'))).toMatchObject({ type: 'error.reply', from: leader });
  });
});
