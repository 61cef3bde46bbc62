// Atlas under `wrangler dev` (issue 6): `npm run dev` starts nats-server and wrangler dev; the Worker
// serves the /v1 API, replicas r1..r3 are Durable Objects. Checks, against the real processes:
//   - the LogStore conformance suite passes inside workerd on Durable Object SQLite storage;
//   - the KV contract holds on the Worker;
//   - chat: the leader object publishes committed messages on NATS and the Worker streams them;
//   - writes continue while the leader object is reset and while a follower loses its NATS
//     connection, and both objects recover from their storage;
//   - data survives a restart of `npm run dev` (state in --state);
//   - a mixed cluster: two Durable Object replicas and one Node replica on the same NATS.

import { decodeBackup } from '../../actors/backup/backup-file.ts';
import { decodeUntrusted } from '../../actors/machines/codec.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import type { Msg } from '@nats-io/nats-core';
import { decodePublication } from '../../actors/api/chat-publication.ts';
import { logStoreConformanceCases } from '../../actors/storage/conformance.ts';
import { freePorts } from '../../infra/node/free-port.ts';
import { REPO, WorkersDev, groupAlive } from './dev-process.ts';
import { SseReader, apiClient, enc, eventually, expectError, putEventually, type ApiClient } from './http.ts';

interface ObjectStatus {
  id: string | null;
  incarnation: string;
  running: boolean;
  natsConnected: boolean;
  role: string | null;
  leader: string | null;
  appliedIndex: number | null;
  syncs: number;
}

const roots: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

let ports: { port: number; natsPort: number; natsWsPort: number };
let state: string;
let dev: WorkersDev | null = null;
let api: ApiClient;
const running: WorkersDev[] = [];

async function startDev(extraArgs: readonly string[] = [], stateDir = state): Promise<WorkersDev> {
  const started = await WorkersDev.start({ ...ports, state: stateDir, extraArgs });
  running.push(started);
  return started;
}

const objectStatus = async (id: string): Promise<ObjectStatus> => (await (await api.send(`/__atlas/replicas/${id}`)).json()) as ObjectStatus;
const commitIndex = async (): Promise<number> => ((await (await api.send('/v1/status')).json()) as { commitIndex: number }).commitIndex;
const leaderOf = async (): Promise<string | null> => {
  const res = await api.send('/v1/leader');
  return res.status === 200 ? ((await res.json()) as { leader: string | null }).leader : null;
};

beforeAll(async () => {
  const [port, natsPort, natsWsPort] = await freePorts(3);
  ports = { port: port!, natsPort: natsPort!, natsWsPort: natsWsPort! };
  state = tempDir('atlas-workers-state-');
  dev = await startDev();
  api = apiClient(dev.url);
  await eventually(leaderOf, (leader) => leader !== null, 'a leader among the replica objects', 30_000);
}, 90_000);

afterAll(async () => {
  await Promise.all(running.map((d) => d.stop()));
  for (const d of running) expect(groupAlive(d.pgid), 'every process of npm run dev has exited').toBe(false);
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Durable Object storage', () => {
  it('passes the LogStore conformance suite inside workerd', async () => {
    const res = await api.send('/__atlas/conformance', { method: 'POST' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { backend: string; passed: number; failed: number; results: { name: string; ok: boolean; error?: string }[] };
    expect(report.backend).toBe('durable-object-sqlite');
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.results.map((r) => r.name)).toEqual(logStoreConformanceCases.map((c) => c.name));
    expect(report.passed).toBe(logStoreConformanceCases.length);
  });
});

describe('the KV contract on the Worker', () => {
  it('writes raw bytes and reads them back with ETag and revision headers', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const res = await api.put('bin/all-bytes', bytes);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { key: string; revision: number; lamport: number };
    expect(body).toEqual({ key: 'bin/all-bytes', revision: expect.any(Number), lamport: expect.any(Number) });
    const got = await api.get('bin/all-bytes');
    expect(got.status).toBe(200);
    expect(got.headers.get('ETag')).toBe(`"${body.revision}"`);
    expect(got.headers.get('Atlas-Revision')).toBe(String(body.revision));
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);

    expect((await api.put('café/ключ/🙂', 'unicode')).status).toBe(200);
    expect(await (await api.get('café/ключ/🙂')).text()).toBe('unicode');
  });

  it('answers 404 for an absent key and 400 for bad input, as JSON errors', async () => {
    await expectError(await api.get('never/written'), 404, 'not_found');
    await expectError(await api.put('k', 'v', { 'If-Match': 'not-a-revision' }), 400, 'bad_request');
    await expectError(await api.put('too-large', new Uint8Array(1024 * 1024 + 1)), 413, 'too_large');
  });

  it('compares and swaps with If-Match and creates only with If-None-Match', async () => {
    const first = (await (await api.put('cas', 'one')).json()) as { revision: number };
    const stale = await expectError(await api.put('cas', 'two', { 'If-Match': String(first.revision + 1000) }), 412, 'precondition_failed');
    expect(stale.revision).toBe(first.revision);
    const swapped = await api.put('cas', 'two', { 'If-Match': String(first.revision) });
    expect(swapped.status).toBe(200);
    await expectError(await api.put('cas', 'three', { 'If-None-Match': '*' }), 412, 'precondition_failed');
    expect((await api.put('cas-new', 'fresh', { 'If-None-Match': '*' })).status).toBe(200);
    expect(await (await api.get('cas')).text()).toBe('two');
  });

  it('applies a retried write with the same Idempotency-Key once', async () => {
    const headers = { 'Idempotency-Key': `retry-${crypto.randomUUID()}` };
    const a = (await (await api.put('idem', 'value', headers)).json()) as { revision: number };
    const b = (await (await api.put('idem', 'value', headers)).json()) as { revision: number };
    expect(b.revision).toBe(a.revision);
    expect((await api.get('idem')).headers.get('Atlas-Revision')).toBe(String(a.revision));
  });

  it('deletes with a tombstone, lists by prefix and runs transactions', async () => {
    expect((await api.put('gone', 'x')).status).toBe(200);
    expect(((await (await api.del('gone')).json()) as { deleted: boolean }).deleted).toBe(true);
    await expectError(await api.get('gone'), 404, 'not_found');
    expect(((await (await api.del('gone')).json()) as { deleted: boolean }).deleted).toBe(false);

    for (const k of ['list/a', 'list/b', 'list/c']) expect((await api.put(k, `v-${k}`)).status).toBe(200);
    const page = (await (await api.send('/v1/kv?prefix=list/&limit=2')).json()) as { items: { key: string; value: string }[]; next: string | null };
    expect(page.items.map((i) => [i.key, i.value])).toEqual([['list/a', 'v-list/a'], ['list/b', 'v-list/b']]);
    expect(page.next).not.toBeNull();

    const current = Number((await api.get('list/a')).headers.get('Atlas-Revision'));
    const txn = await api.postJson('/v1/txn', {
      compare: [{ key: 'list/a', revision: current }],
      success: [{ op: 'put', key: 'txn/x', value: 'X' }, { op: 'delete', key: 'list/c' }],
      failure: [],
    });
    expect(txn.status).toBe(200);
    expect(((await txn.json()) as { succeeded: boolean }).succeeded).toBe(true);
    expect(await (await api.get('txn/x')).text()).toBe('X');
    await expectError(await api.get('list/c'), 404, 'not_found');
  });

  it('streams watch events over Server-Sent Events', async () => {
    const res = await api.send('/v1/watch?prefix=watched/');
    expect(res.status).toBe(200);
    const sse = new SseReader(res);
    try {
      expect((await sse.next()).event).toBe('synced');
      const put = (await (await api.put('watched/1', 'seen')).json()) as { revision: number };
      const event = await sse.next();
      expect(event.event).toBe('put');
      expect(event.id).toBe(String(put.revision));
      expect(JSON.parse(event.data)).toMatchObject({ key: 'watched/1', revision: put.revision, value: 'seen' });
    } finally {
      await sse.cancel();
    }
  });

  it('downloads a consistent backup of the objects\' state', async () => {
    const put = (await (await api.send('/v1/kv/backup/k', { method: 'PUT', body: 'in the backup' })).json()) as { revision: number };
    const response = await api.send('/v1/snapshot');
    expect(response.status).toBe(200);
    const backup = decodeBackup(new Uint8Array(await response.arrayBuffer()));
    expect(String(backup.index)).toBe(response.headers.get('Atlas-Snapshot-Index'));
    const kv = (decodeUntrusted(backup.data) as { machines: [string, { entries: [string, Uint8Array, number, number][] }][] }).machines.find(
      ([name]) => name === 'kv',
    )![1];
    const row = kv.entries.find(([key]) => key === 'backup/k')!;
    expect(new TextDecoder().decode(row[1])).toBe('in the backup');
    expect(row[3]).toBe(put.revision);
  });

  it('reports the three replica objects as the cluster', async () => {
    const status = (await (await api.send('/v1/status')).json()) as { cluster: string; leader: string; members: { id: string }[] };
    expect(status.cluster).toBe('dev');
    expect(status.members.map((m) => m.id).sort()).toEqual(['r1', 'r2', 'r3']);
  });
});

describe('chat on the Worker', () => {
  it('publishes committed messages on NATS from the leader object and streams them over SSE', async () => {
    const nc = await connect({ servers: `nats://127.0.0.1:${ports.natsPort}`, reconnect: false });
    try {
      const published: Msg[] = [];
      nc.subscribe('atlas.dev.chat.channel.lobby', {
        callback: (_error, msg) => {
          published.push(msg);
        },
      });
      await nc.flush();
      expect((await api.postJson('/v1/chat/login', { user: 'ana' })).status).toBe(200);
      expect((await api.postJson('/v1/chat/channels', { channel: 'lobby' })).status).toBe(200);
      const res = await api.send('/v1/chat/channels/lobby/stream');
      expect(res.status).toBe(200);
      const sse = new SseReader(res);
      try {
        expect((await sse.next()).event).toBe('synced');
        const posted = await api.postJson('/v1/chat/channels/lobby/messages', { user: 'ana', message: 'olá' });
        expect(posted.status).toBe(200);
        const event = await sse.next();
        expect(event.event).toBe('message');
        expect(JSON.parse(event.data)).toMatchObject({ user: 'ana', message: 'olá', channel: 'lobby' });
      } finally {
        await sse.cancel();
      }
      await eventually(async () => published.length, (n) => n >= 1, 'the publication on atlas.dev.chat.channel.lobby');
      const msg = published[0]!;
      expect(decodePublication(msg.data)).toMatchObject({ user: 'ana', message: 'olá' });
      expect(msg.headers?.get('Atlas-From')).toMatch(/^r[123]$/);
      expect(msg.headers?.get('Nats-Msg-Id')).toMatch(/^\d+$/);
    } finally {
      await nc.close();
    }
  });
});

describe('failures of replica objects', () => {
  it('keeps accepting writes while the leader object is reset, and the object recovers from storage', async () => {
    const leader = (await eventually(leaderOf, (l) => l !== null, 'a leader'))!;
    const before = await objectStatus(leader);
    expect(before.running).toBe(true);
    const reset = await api.send(`/__atlas/replicas/${leader}/abort`, { method: 'POST' });
    expect(reset.status).toBe(200);

    const writes = [];
    for (let i = 0; i < 10; i++) writes.push(await putEventually(api, `after-reset/${i}`, `v${i}`));
    // Every write was acknowledged (putEventually retries 503/504 and fails after its deadline), each at a
    // newer revision than the one before. How long the first ones waited is the election, reported, not asserted.
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.revision).toBeGreaterThan(writes[i - 1]!.revision);
    console.log(`leader object reset: writes acknowledged after ${writes.map((w) => w.elapsedMs).join(', ')} ms`);

    const after = await eventually(() => objectStatus(leader), (s) => s.running && s.incarnation !== before.incarnation, `${leader} running again`);
    expect(after.id).toBe(leader);
    // Recovered from its own storage and caught up with everything committed meanwhile.
    const commit = await commitIndex();
    await eventually(() => objectStatus(leader), (s) => (s.appliedIndex ?? 0) >= commit, `${leader} caught up to ${commit}`);
    for (let i = 0; i < 10; i++) expect(await (await api.get(`after-reset/${i}`)).text()).toBe(`v${i}`);
  }, 60_000);

  it('keeps accepting writes when a follower loses its NATS connection; the follower resets and catches up', async () => {
    const leader = (await eventually(leaderOf, (l) => l !== null, 'a leader'))!;
    const follower = ['r1', 'r2', 'r3'].find((id) => id !== leader)!;
    const before = await eventually(() => objectStatus(follower), (s) => s.running, `${follower} running`);
    const dropped = await api.send(`/__atlas/replicas/${follower}/drop-nats`, { method: 'POST' });
    expect(dropped.status).toBe(200);
    for (let i = 0; i < 5; i++) await putEventually(api, `after-drop/${i}`, `d${i}`);
    const commit = await commitIndex();
    const after = await eventually(
      () => objectStatus(follower),
      (s) => s.running && s.natsConnected && s.incarnation !== before.incarnation && (s.appliedIndex ?? 0) >= commit,
      `${follower} reconnected and caught up to ${commit}`,
    );
    // Its new incarnation stored the entries it missed.
    expect(after.syncs).toBeGreaterThan(0);
  }, 60_000);
});

describe('restarting npm run dev', () => {
  it('keeps the data in the state directory', async () => {
    const written = await putEventually(api, 'survives/restart', 'still here');
    const pgid = dev!.pgid;
    await dev!.stop();
    expect(groupAlive(pgid)).toBe(false);
    dev = await startDev();
    api = apiClient(dev.url);
    const got = await eventually(() => api.get('survives/restart'), (res) => res.status === 200, 'the key after the restart', 30_000);
    expect(await got.text()).toBe('still here');
    expect(got.headers.get('Atlas-Revision')).toBe(String(written.revision));
    expect(await (await api.get('after-reset/9')).text()).toBe('v9');
    expect(new Uint8Array(await (await api.get('bin/all-bytes')).arrayBuffer())).toEqual(Uint8Array.from({ length: 256 }, (_, i) => i));
    const next = await putEventually(api, 'survives/next', 'n');
    expect(next.revision).toBeGreaterThan(written.revision);
  }, 90_000);
});

describe('a mixed cluster', () => {
  let node: ChildProcess | null = null;
  afterAll(async () => {
    if (node && node.exitCode === null) {
      node.kill('SIGKILL');
      await new Promise((r) => node!.once('exit', r));
    }
  });

  it('runs Durable Object replicas and a Node replica as one cluster over the same NATS', async () => {
    await dev!.stop();
    const mixedState = tempDir('atlas-workers-mixed-');
    dev = await startDev(['--cluster', 'mixed', '--peers', 'r1,r2,n3', '--do-replicas', 'r1,r2'], mixedState);
    api = apiClient(dev.url);
    const [httpPort] = await freePorts(1);
    const nodeData = tempDir('atlas-workers-node-');
    node = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'infra/cli/main.ts'), 'replica', '--id', 'n3', '--peers', 'r1,r2,n3', '--cluster', 'mixed',
        '--nats', `nats://127.0.0.1:${ports.natsPort}`, '--data', nodeData, '--http', String(httpPort)],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const nodeApi = apiClient(`http://127.0.0.1:${httpPort}`);

    const status = await eventually(
      async () => (await (await api.send('/v1/status')).json()) as { leader: string | null; members: { id: string }[] },
      (s) => s.leader !== null,
      'a leader in the mixed cluster',
      30_000,
    );
    expect(status.members.map((m) => m.id).sort()).toEqual(['n3', 'r1', 'r2']);

    // Written through the Worker, read on the Node replica; and the other way round.
    const viaWorker = await putEventually(api, 'mixed/from-worker', 'w');
    await eventually(() => nodeApi.get('mixed/from-worker'), (res) => res.status === 200, 'the Node replica serving the write');
    expect(await (await nodeApi.get('mixed/from-worker')).text()).toBe('w');
    const viaNode = await putEventually(nodeApi, 'mixed/from-node', 'n');
    expect(viaNode.revision).toBeGreaterThan(viaWorker.revision);
    expect(await (await api.get('mixed/from-node')).text()).toBe('n');

    // Losing one Durable Object replica leaves a quorum of one object and the Node process.
    const objectReplica = (await leaderOf()) === 'r1' ? 'r1' : 'r2';
    expect((await api.send(`/__atlas/replicas/${objectReplica}/abort`, { method: 'POST' })).status).toBe(200);
    const written = await putEventually(api, 'mixed/after-reset', 'still writing');
    expect(written.revision).toBeGreaterThan(viaNode.revision);
  }, 90_000);
});
