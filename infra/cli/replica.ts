// `atlas replica`: one replica process. Recovers from --data after any crash and rejoins on its own.

import { resolve } from 'node:path';
import { DEFAULT_CLUSTER } from '../../actors/transport/subjects.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import { natsAuthFromEnv } from '../node/nats-connect.ts';
import { DataDirLockedError } from '../node/data-dir-lock.ts';
import { startReplicaHost } from '../node/replica-host.ts';
import { flag, intFlag, type ParsedArgs, UsageError } from './args.ts';
import { onShutdown } from './shutdown.ts';

export async function runReplica(args: ParsedArgs): Promise<number> {
  const id = flag(args, 'id', 'ATLAS_REPLICA_ID');
  const peersRaw = flag(args, 'peers', 'ATLAS_PEERS');
  if (!id) throw new UsageError('atlas replica needs --id (or ATLAS_REPLICA_ID)');
  if (!peersRaw) throw new UsageError('atlas replica needs --peers r1,r2,r3 (or ATLAS_PEERS)');
  const peers = peersRaw.split(',').map((p) => p.trim()).filter(Boolean);
  const cluster = flag(args, 'cluster', 'ATLAS_CLUSTER', DEFAULT_CLUSTER)!;
  const dataDir = resolve(flag(args, 'data', 'ATLAS_DATA_DIR', `./.atlas/${id}`)!);
  const httpPort = intFlag(args, 'http', 'ATLAS_HTTP_PORT');
  const natsUrl = flag(args, 'nats', 'ATLAS_NATS_URL', 'nats://127.0.0.1:4222')!;
  const tickMs = intFlag(args, 'tick-ms', 'ATLAS_TICK_MS');
  const snapshotEvery = intFlag(args, 'snapshot-every', 'ATLAS_SNAPSHOT_EVERY');
  const token = flag(args, 'token', 'ATLAS_TOKEN');
  const auth = natsAuthFromEnv();
  let host;
  try {
    host = await startReplicaHost({
      id,
      peers,
      cluster,
      natsUrl,
      dataDir,
      ...(auth ? { natsAuth: auth } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
      ...(token ? { token } : {}),
      ...(tickMs !== undefined ? { tickMs } : {}),
      ...(snapshotEvery !== undefined ? { snapshotEveryEntries: snapshotEvery } : {}),
    });
  } catch (error) {
    if (error instanceof StorageCorruptionError || error instanceof DataDirLockedError) {
      console.error(`atlas replica ${id}: refusing to start: ${error.message}`);
      return 3;
    }
    throw error;
  }
  console.log(`atlas replica ${id}: cluster ${cluster}, peers ${peers.join(',')}, data ${dataDir}, nats ${natsUrl}${host.httpUrl ? `, http ${host.httpUrl}` : ''}`);
  const failure = new Promise<number>((resolveExit) => {
    const timer = setInterval(() => {
      if (host.replica.failed) {
        clearInterval(timer);
        resolveExit(4);
      }
    }, 200);
    onShutdown(async () => {
      clearInterval(timer);
      await host.stop();
      resolveExit(0);
    });
  });
  return failure;
}
