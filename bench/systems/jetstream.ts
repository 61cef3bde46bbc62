// NATS JetStream KV as the NATS baseline: 3 nats-servers in a routed cluster with JetStream, one KV
// bucket with 3 replicas (file storage), spoken to with @nats-io/kv. A put resolves on the stream's
// publish ack (stored by a quorum). Gets go to the stream leader (allow_direct: false), the closest
// JetStream has to a linearizable read. nats-server 2.9 has no `sync_interval`: it fsyncs lazily, so an
// acknowledged put may be only in the page cache of every server.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import { findNatsServer, startNatsCluster } from '../../infra/node/nats-server.ts';
import { sleep } from './spawned.ts';
import type { BenchTarget, RunningSystem } from './types.ts';

const SERVER_COUNT = 3;
const BUCKET = 'bench';
const BUCKET_READY_TIMEOUT_MS = 30_000;

export interface JetStreamOptions {
  readonly workDir: string;
  /** NATS connections the clients are spread over (client c uses connection c % count). */
  readonly connections: number;
}

export async function startJetStream(opts: JetStreamOptions): Promise<RunningSystem> {
  const version = execFileSync(findNatsServer(), ['--version'], { encoding: 'utf8' }).trim().replace(/^nats-server: v?/, 'nats-server ');
  const storeDir = mkdtempSync(join(opts.workDir, 'bench-jetstream-'));
  const cluster = await startNatsCluster(SERVER_COUNT, { name: 'bench', jetstream: { storeDir } });
  const connections: NatsConnection[] = [];
  const stop = async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await cluster.stop();
    rmSync(storeDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < opts.connections; i++) {
      connections.push(await connect({ servers: cluster.urls[i % cluster.urls.length]!, name: `bench-kv-${i}`, timeout: 5_000, noAsyncTraces: true }));
    }
    await createBucket(connections[0]!);
    const buckets: KV[] = [];
    for (const nc of connections) buckets.push(await new Kvm(nc).open(BUCKET));
    const target: BenchTarget = {
      name: 'jetstream-kv',
      system: 'jetstream',
      transport: 'nats',
      readSemantics: 'stream-leader read (allow_direct: false); not confirmed by a quorum',
      put: async (client, key, value) => {
        await buckets[client % buckets.length]!.put(key, value);
      },
      get: async (client, key) => {
        const entry = await buckets[client % buckets.length]!.get(key);
        if (entry === null || entry.operation !== 'PUT') throw new Error(`jetstream kv: ${key} not found`);
      },
    };
    return {
      name: 'jetstream',
      version,
      notes: [
        `${version}, ${SERVER_COUNT} servers in one cluster, KV bucket with replicas: 3, file storage; clients over ${opts.connections} NATS connections spread over the servers`,
        `${version} has no sync_interval: JetStream fsyncs lazily, so its acknowledged puts are not yet on disk (Atlas and etcd fsync before acknowledging)`,
        'JetStream KV gets are stream-leader reads (allow_direct: false), not quorum-confirmed linearizable reads',
      ],
      targets: [target],
      processes: () => cluster.servers.map((server, i) => ({ label: `nats-server ${i + 1}`, pid: server.pid })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Creates the bucket, retrying while the JetStream meta group is still electing its leader. */
async function createBucket(nc: NatsConnection): Promise<void> {
  const deadline = Date.now() + BUCKET_READY_TIMEOUT_MS;
  for (;;) {
    try {
      const kv = await new Kvm(nc).create(BUCKET, { replicas: SERVER_COUNT, history: 1, allow_direct: false });
      await kv.put('bench-ready', new Uint8Array([1]));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`JetStream KV bucket not ready within ${BUCKET_READY_TIMEOUT_MS} ms`, { cause: error });
      await sleep(250);
    }
  }
}
