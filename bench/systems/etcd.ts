// etcd as the HTTP baseline: a 3-member cluster on loopback (data on the real disk, default settings:
// every write fsynced by a majority before it is acknowledged), spoken to through etcd's HTTP/JSON
// gRPC gateway. Reads are `range` requests without `serializable`, i.e. linearizable.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../infra/node/free-port.ts';
import type { HttpClient } from '../http-client.ts';
import { sleep, spawnServer, type SpawnedProcess } from './spawned.ts';
import type { BenchTarget, FailoverControl, LeaderView, RunningSystem } from './types.ts';

const MEMBER_COUNT = 3;
const START_TIMEOUT_MS = 30_000;
const ETCD_FALLBACK_PATHS = ['/usr/bin/etcd', '/usr/local/bin/etcd'];

export interface EtcdOptions {
  readonly http: HttpClient;
  /** Parent of the data directories (default: the OS temp dir). */
  readonly workDir: string;
  /** Told when etcd had to be installed. */
  readonly log: (line: string) => void;
}

/** Path of the etcd binary, installing the Debian package when it is missing. */
export function ensureEtcd(log: (line: string) => void): { binary: string; installed: boolean } {
  const found = findEtcd();
  if (found) return { binary: found, installed: false };
  log('etcd not found: installing it with `apt-get install -y etcd-server etcd-client`');
  const result = spawnSync('apt-get', ['install', '-y', 'etcd-server', 'etcd-client'], { stdio: 'inherit' });
  const after = findEtcd();
  if (result.status !== 0 || !after) throw new Error('etcd is not installed and `apt-get install -y etcd-server etcd-client` failed; install etcd 3.4+ and retry');
  return { binary: after, installed: true };
}

function findEtcd(): string | null {
  const which = spawnSync('which', ['etcd'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return which.stdout.trim();
  for (const path of ETCD_FALLBACK_PATHS) {
    if (spawnSync(path, ['--version']).status === 0) return path;
  }
  return null;
}

export async function startEtcd(opts: EtcdOptions): Promise<RunningSystem> {
  const { binary, installed } = ensureEtcd(opts.log);
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.replace('etcd Version:', 'etcd').trim();
  const root = mkdtempSync(join(opts.workDir, 'bench-etcd-'));
  const ports = await freePorts(MEMBER_COUNT * 2);
  const names = Array.from({ length: MEMBER_COUNT }, (_, i) => `m${i + 1}`);
  const clientUrls = names.map((_, i) => `http://127.0.0.1:${ports[i]}`);
  const peerUrls = names.map((_, i) => `http://127.0.0.1:${ports[MEMBER_COUNT + i]}`);
  const initialCluster = names.map((name, i) => `${name}=${peerUrls[i]}`).join(',');
  const clusterToken = `bench-${process.pid}-${Date.now()}`;
  const members: SpawnedProcess[] = names.map((name, i) => {
    const dataDir = join(root, name);
    mkdirSync(dataDir, { recursive: true });
    return spawnServer(`etcd ${name}`, binary, [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', clientUrls[i]!,
      '--advertise-client-urls', clientUrls[i]!,
      '--listen-peer-urls', peerUrls[i]!,
      '--initial-advertise-peer-urls', peerUrls[i]!,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', clusterToken,
      '--logger', 'zap',
      '--log-level', 'error',
    ]);
  });
  // SIGKILL: a gracefully stopping etcd member first hands leadership over, which takes seconds.
  const stop = async () => {
    await Promise.all(members.map((m) => m.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitHealthy(opts.http, clientUrls, members);
  } catch (error) {
    await stop();
    throw error;
  }

  const base64Cache = new WeakMap<Uint8Array, string>();
  const b64 = (bytes: Uint8Array) => {
    let cached = base64Cache.get(bytes);
    if (cached === undefined) {
      cached = Buffer.from(bytes).toString('base64');
      base64Cache.set(bytes, cached);
    }
    return cached;
  };
  const keyB64 = (key: string) => Buffer.from(key).toString('base64');
  const put = async (endpoint: number, key: string, value: Uint8Array, timeoutMs?: number) => {
    const res = await opts.http.request({
      method: 'POST',
      origin: clientUrls[endpoint]!,
      path: '/v3/kv/put',
      body: `{"key":"${keyB64(key)}","value":"${b64(value)}"}`,
      contentType: 'application/json',
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    if (res.status !== 200) throw new Error(`etcd put: HTTP ${res.status} ${Buffer.from(res.body).toString().slice(0, 120)}`);
  };
  const target: BenchTarget = {
    name: 'etcd-http',
    system: 'etcd',
    transport: 'http',
    readSemantics: 'linearizable (range without serializable)',
    put: (client, key, value) => put(client % MEMBER_COUNT, key, value),
    get: async (client, key) => {
      const res = await opts.http.request({
        method: 'POST',
        origin: clientUrls[client % MEMBER_COUNT]!,
        path: '/v3/kv/range',
        body: `{"key":"${keyB64(key)}"}`,
        contentType: 'application/json',
      });
      if (res.status !== 200) throw new Error(`etcd range: HTTP ${res.status} ${Buffer.from(res.body).toString().slice(0, 120)}`);
      const parsed = JSON.parse(Buffer.from(res.body).toString()) as { kvs?: unknown[] };
      if (!parsed.kvs || parsed.kvs.length !== 1) throw new Error(`etcd range: ${key} not found`);
    },
  };
  const failover: FailoverControl = {
    endpointCount: MEMBER_COUNT,
    leader: () => findLeader(opts.http, clientUrls, members),
    kill: (index) => {
      members[index]!.child.kill('SIGKILL');
    },
    putVia: (endpoint, key, value, timeoutMs) => put(endpoint, key, value, timeoutMs),
  };
  return {
    name: 'etcd',
    version,
    notes: [
      `${version}, ${MEMBER_COUNT} members on loopback, default settings (fsync on every commit), HTTP/JSON gateway (/v3/kv/put, /v3/kv/range), clients spread over all members`,
      ...(installed ? ['etcd was not installed: the bench installed it with apt-get install -y etcd-server etcd-client'] : []),
    ],
    targets: [target],
    processes: () => members.filter((m) => m.alive()).map((m) => ({ label: m.label, pid: m.pid })),
    failover,
    stop,
  };
}

async function waitHealthy(http: HttpClient, clientUrls: readonly string[], members: readonly SpawnedProcess[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const dead = members.find((m) => !m.alive());
    if (dead) throw new Error(`${dead.label} exited during start:\n${dead.output()}`);
    const healthy = await Promise.all(
      clientUrls.map(async (origin) => {
        try {
          const res = await http.request({ method: 'GET', origin, path: '/health', timeoutMs: 1_000 });
          return res.status === 200 && Buffer.from(res.body).toString().includes('"true"');
        } catch {
          return false;
        }
      }),
    );
    if (healthy.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`etcd cluster not healthy within ${START_TIMEOUT_MS} ms:\n${members.map((m) => `--- ${m.label}\n${m.output().slice(-1500)}`).join('\n')}`);
    await sleep(100);
  }
}

/** The member that reports itself leader with the highest term. */
async function findLeader(http: HttpClient, clientUrls: readonly string[], members: readonly SpawnedProcess[]): Promise<LeaderView> {
  const views = await Promise.all(
    clientUrls.map(async (origin, i): Promise<LeaderView | null> => {
      if (!members[i]!.alive()) return null;
      try {
        const res = await http.request({ method: 'POST', origin, path: '/v3/maintenance/status', body: '{}', contentType: 'application/json', timeoutMs: 2_000 });
        if (res.status !== 200) return null;
        const status = JSON.parse(Buffer.from(res.body).toString()) as { header?: { member_id?: string }; leader?: string; raftTerm?: string };
        return status.leader !== undefined && status.leader === status.header?.member_id ? { index: i, term: Number(status.raftTerm ?? 0) } : null;
      } catch {
        return null; // not answering
      }
    }),
  );
  const leaders = views.filter((v): v is LeaderView => v !== null).sort((a, b) => b.term - a.term);
  if (leaders.length === 0) throw new Error('no etcd member reports itself leader');
  return leaders[0]!;
}
