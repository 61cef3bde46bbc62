// GET /v1/log and GET /v1/log/verify (functions/routes/log.ts) over a replica backend, mounted the way
// functions/app.ts mounts every route module.

import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replica } from '../../actors/replica/replica.ts';
import { createReplicaBackend } from '../../functions/backends/replica.ts';
import type { AppConfig, AppEnv } from '../../functions/context.ts';
import { errorHandler, notFoundHandler } from '../../functions/errors.ts';
import { lamportClock } from '../../functions/middleware/lamport.ts';
import { logRoutes } from '../../functions/routes/log.ts';
import { parseArgs } from '../../infra/cli/args.ts';
import { runVerify } from '../../infra/cli/verify.ts';
import { MemoryCluster } from '../helpers/memory-cluster.ts';

const enc = new TextEncoder();
let cluster: MemoryCluster;
let leader: Replica;
let app: Hono<AppEnv>;

beforeAll(async () => {
  cluster = await MemoryCluster.start({ snapshotEveryEntries: 30 });
  leader = await cluster.waitForLeader();
  const backend = createReplicaBackend({ replica: leader, kv: cluster.kvMachines.get(leader.id)!, forward: null });
  const config: AppConfig = {
    backend,
    token: null,
    maxValueBytes: 1 << 20,
    maxJsonBytes: 8 << 20,
    requestTimeoutMs: 5_000,
    watchHeartbeatMs: 15_000,
    watchMaxQueuedRevisions: 10_000,
  };
  app = new Hono<AppEnv>();
  app.use('*', lamportClock(backend));
  app.route('/', logRoutes(config));
  app.notFound(notFoundHandler(backend));
  app.onError(errorHandler(backend));
  for (let i = 0; i < 45; i++) await leader.propose('kv', { type: 'put', key: `h${i}`, value: i % 2 ? enc.encode(`text ${i}`) : new Uint8Array([0xff]) });
  const deadline = Date.now() + 5_000;
  while ((leader.ledger.state.lastSeal?.upTo ?? 0) < leader.appliedIndex - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => {
  await cluster?.stop();
});

interface Row {
  index: number;
  type: string;
  hash: string;
  parent: string;
  signer: string | null;
  signature: string | null;
  command: { machine: string; command: { type: string; key?: string; value?: string; encoding?: string } } | null;
}

describe('GET /v1/log', () => {
  it('pages through committed entries with hash, parent, signer, signature and command', async () => {
    const first = leader.firstLogIndex();
    const res = await app.request(`/v1/log?from=${first}&limit=5`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Atlas-Lamport')).toMatch(/^\d+$/);
    const body = (await res.json()) as { entries: Row[]; next: number | null; firstIndex: number; appliedIndex: number };
    expect(body.entries.map((e) => e.index)).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
    expect(body.next).toBe(first + 5);
    for (const row of body.entries) {
      expect(Object.keys(row).sort()).toEqual(['command', 'hash', 'index', 'lamport', 'parent', 'sealIndex', 'signature', 'signer', 'term', 'type']);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.signer).toBe(leader.id);
    }
    for (let i = 1; i < body.entries.length; i++) expect(body.entries[i]!.parent).toBe(body.entries[i - 1]!.hash);
    const puts = body.entries.filter((e) => e.command?.machine === 'kv');
    expect(puts.length).toBeGreaterThan(0);
    for (const row of puts) {
      const value = row.command!.command;
      if (value.encoding === 'base64') expect(value.value).toBe('/w==');
      else expect(value.value).toMatch(/^text \d+$/);
    }
  });

  it('answers 410 below the snapshot and 400 for a bad parameter', async () => {
    expect(leader.firstLogIndex()).toBeGreaterThan(1);
    const compacted = await app.request('/v1/log?from=1');
    expect(compacted.status).toBe(410);
    expect(((await compacted.json()) as { error: { code: string } }).error.code).toBe('compacted');
    expect((await app.request('/v1/log?limit=0')).status).toBe(400);
    expect((await app.request('/v1/log?from=x')).status).toBe(400);
  });
});

describe('GET /v1/log/verify', () => {
  it('is what `atlas verify --url` reports', async () => {
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const out = { stdout: '', stderr: '' };
      const io = { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } };
      expect(await runVerify(parseArgs(['--url', url]), io)).toBe(0);
      expect(out.stdout).toMatch(/^ok: \d+ entries checked after the snapshot at [1-9]\d*; head \d+ [0-9a-f]{64}; sealed through \d+/);
      expect(await runVerify(parseArgs(['--url', 'http://127.0.0.1:1']), io)).toBe(1);
      expect(out.stderr).toMatch(/cannot reach/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reports ok, checked and head from the snapshot the replica holds', async () => {
    const res = await app.request('/v1/log/verify');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checked: number; head: { index: number; hash: string }; anchor: { index: number } };
    expect(body.ok).toBe(true);
    expect(body.anchor.index).toBe(leader.firstLogIndex() - 1);
    expect(body.checked).toBe(body.head.index - body.anchor.index);
    expect(body.head.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
