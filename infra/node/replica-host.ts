// Runs one replica in a Node process: files for storage, NATS for consensus and the API, an optional
// HTTP server for the functions. Everything that is not web-standard lives here.

import type { ServerType } from '@hono/node-server';
import { connect } from '@nats-io/transport-node';
import { serveApp } from './http-serve.ts';
import type { NatsConnection } from '@nats-io/nats-core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { natsEventSink } from '../../actors/api/nats-events.ts';
import { createBuiltinMachines } from '../../actors/machines/builtin.ts';
import type { AnyMachineDefinition } from '../../actors/machines/types.ts';
import { seededRng } from '../../actors/raft/rand.ts';
import { consoleLogger, intervalTicker, systemClock, type Logger } from '../../actors/replica/ports.ts';
import { Replica } from '../../actors/replica/replica.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import { createDropCounters, natsTransportFactory } from '../../actors/transport/nats-transport.ts';
import { createApp } from '../../functions/app.ts';
import { startReplicaServices } from '../../functions/backends/replica-services.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { FileActorStorage } from './file-actor-storage.ts';
import { FileLogStore } from './file-log-store.ts';
import { natsConnectOptions, type NatsAuth } from './nats-connect.ts';
import { unsafeAckBeforeFsyncFromEnv } from './unsafe-ack-before-fsync.ts';
import { nativeSha256 } from './native-sha256.ts';

export interface ReplicaHostOptions {
  readonly id: string;
  readonly peers: readonly string[];
  readonly cluster: string;
  readonly natsUrl: string;
  readonly natsAuth?: NatsAuth;
  readonly dataDir: string;
  readonly httpPort?: number;
  readonly httpHost?: string;
  readonly token?: string;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly snapshotEveryEntries?: number;
  readonly machines?: () => AnyMachineDefinition[];
  readonly logger?: Logger;
}

export interface ReplicaHost {
  readonly replica: Replica;
  readonly nc: NatsConnection;
  readonly httpUrl: string | null;
  stop(): Promise<void>;
}

/**
 * Starts a replica. Throws StorageCorruptionError (one clear line) when its data cannot be trusted,
 * and DataDirLockedError when another live process holds its data directory.
 */
export async function startReplicaHost(opts: ReplicaHostOptions): Promise<ReplicaHost> {
  await mkdir(opts.dataDir, { recursive: true });
  const lock = await lockDataDir(opts.dataDir);
  try {
    const host = await startLocked(opts);
    return {
      ...host,
      stop: async () => {
        try {
          await host.stop();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(opts: ReplicaHostOptions): Promise<ReplicaHost> {
  const logger = opts.logger ?? consoleLogger;
  const fileStore = await FileLogStore.open(join(opts.dataDir), { log: (line) => logger.warn(line) });
  // Test-only and off unless ATLAS_UNSAFE_ACK_BEFORE_FSYNC holds its consent phrase (see the module).
  const logStore = unsafeAckBeforeFsyncFromEnv(fileStore, process.env, (line) => logger.warn(line));
  // `<dataDir>/actor-storage` keeps the replica's ledger key pair across restarts.
  const identity = await FileActorStorage.open(opts.dataDir);
  const nc = await connect(natsConnectOptions(opts.natsUrl, opts.natsAuth, `atlas-replica-${opts.id}`));
  const counters = createDropCounters();
  const { kv, chat, all } = createBuiltinMachines();
  const machines = [...all, ...(opts.machines?.() ?? [])];
  const bootstrap = opts.peers.includes(opts.id) ? { voters: [...opts.peers], learners: [] } : null;
  let replica: Replica;
  try {
    replica = await Replica.open({
      id: opts.id,
      cluster: opts.cluster,
      bootstrap,
      logStore,
      transport: natsTransportFactory({ nc, cluster: opts.cluster, self: opts.id, counters }),
      ticker: intervalTicker,
      clock: systemClock,
      logger,
      rng: seededRng(cryptoSeed()),
      machines,
      identity,
      events: natsEventSink(nc, opts.cluster, opts.id),
      ...(nativeSha256 ? { sha256: nativeSha256 } : {}),
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      ...(opts.electionTicks !== undefined ? { electionTicks: opts.electionTicks } : {}),
      ...(opts.snapshotEveryEntries !== undefined ? { snapshotEveryEntries: opts.snapshotEveryEntries } : {}),
    });
  } catch (error) {
    await nc.close();
    throw error;
  }
  const services = startReplicaServices({ nc, cluster: opts.cluster, replica, kv, chat, counters, logger });
  const { backend } = services;
  replica.start();

  let server: ServerType | null = null;
  let httpUrl: string | null = null;
  const stop = async () => {
    services.stop();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await replica.stop();
    await nc.drain().catch(() => {});
  };
  if (opts.httpPort !== undefined) {
    const app = createApp({ backend, ...(opts.token ? { token: opts.token } : {}) });
    const host = opts.httpHost ?? '127.0.0.1';
    server = await serveApp(app, opts.httpPort, host).catch(async (error: unknown) => {
      // E.g. the port is taken: the replica started above stops before the error reaches the caller.
      await stop();
      throw error;
    });
    httpUrl = `http://${host}:${opts.httpPort}`;
  }
  return { replica, nc, httpUrl, stop };
}

export function isStorageCorruption(error: unknown): error is StorageCorruptionError {
  return error instanceof StorageCorruptionError;
}

function cryptoSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}
