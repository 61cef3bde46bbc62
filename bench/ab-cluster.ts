// One Atlas build under A/B test: its checkout bundled with that checkout's own bundler, its own
// nats-server, and 3 replicas with data dirs on the real disk. See ab.ts.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeReply, encodeRequest } from '../actors/api/wire.ts';
import { apiSubject } from '../actors/transport/subjects.ts';
import { freePorts } from '../infra/node/free-port.ts';
import { startNatsServer, type NatsServerHandle } from '../infra/node/nats-server.ts';
import { sleep, spawnServer, type SpawnedProcess } from './systems/spawned.ts';

const IDS = ['r1', 'r2', 'r3'] as const;
const CLUSTER = 'ab';
const START_TIMEOUT_MS = 60_000;

export interface AbCluster {
  readonly checkout: string;
  readonly nc: NatsConnection;
  /** `http://127.0.0.1:<port>` of each replica, in IDS order. */
  readonly origins: readonly string[];
  readonly pids: readonly number[];
  /** The cluster's own nats-server (its CPU is not in the replicas'). */
  readonly natsPid: number;
  /** Index in `origins` of the leader when the cluster came up. */
  readonly leader: number;
  put(key: string, value: Uint8Array): Promise<void>;
  get(key: string): Promise<void>;
  /** `atlas_fsync_latency_ms` mean over the replicas, from their /metrics. */
  meanSyncMs(): Promise<number>;
  stop(): Promise<void>;
}

/** Bundles `checkout` with its own infra/node/bundle.ts and starts a cluster from the bundle. */
export async function startAbCluster(checkout: string, workDir: string): Promise<AbCluster> {
  // Its own bundle file (two levels below the checkout, where the CLI expects to run from), so a
  // bench or test bundling the same checkout at the same time cannot overwrite it under the replicas.
  mkdirSync(join(checkout, 'dist'), { recursive: true });
  const bundleDir = mkdtempSync(join(checkout, 'dist/ab-'));
  const bundle = join(bundleDir, 'atlas.mjs');
  execFileSync(process.execPath, ['--import', 'tsx', join(checkout, 'infra/node/bundle.ts'), bundle], { cwd: checkout, stdio: 'ignore' });
  const nats: NatsServerHandle = await startNatsServer({});
  const root = mkdtempSync(join(workDir, 'bench-ab-'));
  const ports = await freePorts(IDS.length);
  const replicas: SpawnedProcess[] = IDS.map((id, i) =>
    spawnServer(`${checkout} ${id}`, process.execPath, [
      bundle, 'replica', '--id', id, '--peers', IDS.join(','), '--cluster', CLUSTER, '--nats', nats.url, '--data', join(root, id), '--http', String(ports[i]),
    ], undefined, checkout),
  );
  const origins = ports.map((port) => `http://127.0.0.1:${port}`);
  const stop = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await nats.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  };
  try {
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    const call = async (op: 'kv.put' | 'kv.get', request: Record<string, unknown>) => {
      const reply = decodeReply((await nc.request(apiSubject(CLUSTER, op), encodeRequest(request), { timeout: 10_000 })).data) as { ok: boolean };
      if (!reply.ok) throw new Error(`${op} failed: ${JSON.stringify(reply)}`);
    };
    const leader = await waitForLeader(origins, replicas);
    return {
      checkout,
      nc,
      origins,
      pids: replicas.map((r) => r.pid),
      natsPid: nats.pid,
      leader,
      put: (key, value) => call('kv.put', { key, value }),
      get: (key) => call('kv.get', { key }),
      meanSyncMs: async () => {
        let sum = 0;
        let count = 0;
        for (const origin of origins) {
          const text = await (await fetch(`${origin}/metrics`)).text();
          sum += metric(text, 'atlas_fsync_latency_ms_sum');
          count += metric(text, 'atlas_fsync_latency_ms_count');
        }
        return count > 0 ? sum / count : 0;
      },
      stop: async () => {
        await nc.close().catch(() => undefined);
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForLeader(origins: readonly string[], replicas: readonly SpawnedProcess[]): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const { leader } = (await (await fetch(`${origins[0]}/v1/leader`)).json()) as { leader: string | null };
      const index = IDS.findIndex((id) => id === leader);
      if (index >= 0) return index;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`no leader within ${START_TIMEOUT_MS} ms:\n${replicas.map((r) => `--- ${r.label}\n${r.output().slice(-1500)}`).join('\n')}`);
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
}
