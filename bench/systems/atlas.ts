// Atlas under test: its own nats-server and 3 `atlas replica` processes with default settings (run
// from the esbuild bundle, as a deployment would, rather than through tsx), each
// with a data dir on the real disk and an HTTP port. Two targets: HTTP to all three replicas
// (followers forward writes to the leader over NATS and serve linearizable reads by ReadIndex), and
// the NATS API (msgpack request/reply on `atlas.<cluster>.api.kv.put|kv.get`, answered by the leader).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeReply, encodeRequest } from '../../actors/api/wire.ts';
import { apiSubject } from '../../actors/transport/subjects.ts';
import { freePorts } from '../../infra/node/free-port.ts';
import { startNatsServer } from '../../infra/node/nats-server.ts';
import { bundleCli } from '../../infra/node/bundle.ts';
import { processCpuMicros } from '../run-cost.ts';
import { atlasHttpGet, atlasHttpPut } from '../atlas-http.ts';
import { addPrometheusCounters } from '../run-cost.ts';
import type { HttpClient } from '../http-client.ts';
import { sleep, spawnServer, type SpawnedProcess } from './spawned.ts';
import type { BenchTarget, FailoverControl, LeaderView, RunningSystem } from './types.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const REPLICA_COUNT = 3;
const CLUSTER = 'bench';
const START_TIMEOUT_MS = 60_000;
const NATS_REQUEST_TIMEOUT_MS = 10_000;
/** Replica /metrics counters reported per operation, by bench name. */
const METRIC_COUNTERS = { atlas_raft_messages_sent_total: 'raftMessages', atlas_syncs_total: 'syncs' } as const;

export interface AtlasOptions {
  readonly http: HttpClient;
  readonly workDir: string;
  /** NATS connections the NATS-API clients are spread over (client c uses connection c % count). */
  readonly connections: number;
  /** When set, every replica runs with `--cpu-prof` and writes its profile here on stop. */
  readonly cpuProfileDir?: string;
}

interface ApiReplyShape {
  readonly ok: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

export async function startAtlas(opts: AtlasOptions): Promise<RunningSystem> {
  const root = mkdtempSync(join(opts.workDir, 'bench-atlas-'));
  const cli = await bundleCli();
  const nats = await startNatsServer({});
  const ids = Array.from({ length: REPLICA_COUNT }, (_, i) => `r${i + 1}`);
  const ports = await freePorts(REPLICA_COUNT);
  const origins = ports.map((port) => `http://127.0.0.1:${port}`);
  const profileArgs = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  const replicas: SpawnedProcess[] = ids.map((id, i) =>
    spawnServer(
      `atlas replica ${id}`,
      process.execPath,
      [...profileArgs, cli, 'replica', '--id', id, '--peers', ids.join(','), '--cluster', CLUSTER, '--nats', nats.url, '--data', join(root, id), '--http', String(ports[i])],
      undefined,
      REPO_ROOT,
    ),
  );
  const connections: NatsConnection[] = [];
  const stop = async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await Promise.all(replicas.map((r) => r.stop()));
    await nats.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForLeader(opts.http, ids, origins, replicas);
    for (let i = 0; i < opts.connections; i++) connections.push(await connect({ servers: nats.url, name: `bench-atlas-${i}`, timeout: 5_000, noAsyncTraces: true }));
  } catch (error) {
    await stop();
    throw error;
  }

  const httpTarget: BenchTarget = {
    name: 'atlas-http',
    system: 'atlas',
    transport: 'http',
    readSemantics: 'linearizable (ReadIndex, served by every replica)',
    put: (client, key, value) => atlasHttpPut(opts.http, origins[client % REPLICA_COUNT]!, key, value),
    get: (client, key) => atlasHttpGet(opts.http, origins[client % REPLICA_COUNT]!, key),
  };
  const natsCall = async (client: number, op: 'kv.put' | 'kv.get', request: Record<string, unknown>) => {
    const msg = await connections[client % connections.length]!.request(apiSubject(CLUSTER, op), encodeRequest(request), { timeout: NATS_REQUEST_TIMEOUT_MS });
    const reply = decodeReply(msg.data) as ApiReplyShape;
    if (!reply.ok) throw new Error(`atlas ${op}: ${reply.error?.code ?? 'error'} ${reply.error?.message ?? ''}`);
  };
  const natsTarget: BenchTarget = {
    name: 'atlas-nats',
    system: 'atlas',
    transport: 'nats',
    readSemantics: 'linearizable (ReadIndex on the leader)',
    put: (client, key, value) => natsCall(client, 'kv.put', { key, value }),
    get: (client, key) => natsCall(client, 'kv.get', { key }),
  };
  const failover: FailoverControl = {
    endpointCount: REPLICA_COUNT,
    leader: () => waitForLeader(opts.http, ids, origins, replicas, 5_000),
    kill: (index) => {
      replicas[index]!.child.kill('SIGKILL');
    },
    putVia: (endpoint, key, value, timeoutMs) => atlasHttpPut(opts.http, origins[endpoint]!, key, value, { timeoutMs }),
  };
  return {
    name: 'atlas',
    version: atlasVersion(),
    notes: [
      `Atlas, ${REPLICA_COUNT} replica processes (the esbuild bundle of the CLI) with default settings over one nats-server, data on disk (fsync before acknowledging); HTTP clients spread over all replicas, NATS-API clients over ${opts.connections} connections`,
    ],
    targets: [httpTarget, natsTarget],
    processes: () => replicas.filter((r) => r.alive()).map((r) => ({ label: r.label, pid: r.pid })),
    counters: async () => {
      // Its nats-server carries every Atlas request and Raft message but is not one of `processes`.
      const sums: Record<string, number> = { natsServerCpuMicros: processCpuMicros(nats.pid) ?? 0 };
      for (const [i, origin] of origins.entries()) {
        if (!replicas[i]!.alive()) continue;
        const res = await opts.http.request({ method: 'GET', origin, path: '/metrics', timeoutMs: 2_000 });
        addPrometheusCounters(Buffer.from(res.body).toString(), METRIC_COUNTERS, sums);
      }
      return sums;
    },
    failover,
    stop,
  };
}

/** `atlas <commit>` of the tree being measured (`+dirty` with uncommitted changes). */
function atlasVersion(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
    return `atlas ${commit}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'atlas (unknown commit)';
  }
}

/** The replica that reports itself leader over HTTP with the highest term, and that term. */
async function waitForLeader(http: HttpClient, ids: readonly string[], origins: readonly string[], replicas: readonly SpawnedProcess[], timeoutMs = START_TIMEOUT_MS): Promise<LeaderView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(
      origins.map(async (origin, i): Promise<LeaderView | null> => {
        if (!replicas[i]!.alive()) return null;
        try {
          const res = await http.request({ method: 'GET', origin, path: '/v1/status', timeoutMs: 1_000 });
          if (res.status !== 200) return null;
          // A follower answers /v1/status with the leader's view: only the leader names itself.
          const status = JSON.parse(Buffer.from(res.body).toString()) as { id?: string; role?: string; term?: number };
          return status.role === 'leader' && status.id === ids[i] ? { index: i, term: status.term ?? 0 } : null;
        } catch {
          return null; // not up yet
        }
      }),
    );
    const leaders = views.filter((v): v is LeaderView => v !== null).sort((a, b) => b.term - a.term);
    if (leaders.length > 0) return leaders[0]!;
    if (replicas.every((r) => !r.alive()) || Date.now() > deadline) {
      throw new Error(`no Atlas leader${replicas.every((r) => !r.alive()) ? ' (every replica exited)' : ` within ${timeoutMs} ms`}:\n${replicas.map((r) => `--- ${r.label}\n${r.output().slice(-1500)}`).join('\n')}`);
    }
    await sleep(50);
  }
}
