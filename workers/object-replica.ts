// Assembles one replica inside a Durable Object, as infra/node/replica-host.ts does in a Node process:
// the same Replica actor, NATS transport, API server, commit and chat publishers, with the object's
// SQLite storage for the log and a `wsconnect` NATS connection to nats-server's websocket listener.

import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { natsEventSink } from '../actors/api/nats-events.ts';
import { createBuiltinMachines } from '../actors/machines/builtin.ts';
import { seededRng } from '../actors/raft/rand.ts';
import { intervalTicker, systemClock, type Logger } from '../actors/replica/ports.ts';
import { Replica } from '../actors/replica/replica.ts';
import { createDropCounters, natsTransportFactory } from '../actors/transport/nats-transport.ts';
import { startReplicaServices } from '../functions/backends/replica-services.ts';
import { natsOptions, type WorkerConfig } from './config.ts';
import { DurableObjectLogStore } from './do-log-store.ts';
import type { DurableObjectStorage } from './runtime.ts';

export interface ObjectReplicaOptions {
  readonly id: string;
  readonly config: WorkerConfig;
  readonly storage: DurableObjectStorage;
  readonly logger: Logger;
}

export interface ObjectReplica {
  readonly replica: Replica;
  readonly nc: NatsConnection;
  readonly logStore: DurableObjectLogStore;
  /** Resolves when the NATS connection closed for good (not on a reconnect). */
  readonly connectionClosed: Promise<void>;
}

/** Recovers the replica from the object's storage, connects it to NATS and starts ticking. */
export async function startObjectReplica(opts: ObjectReplicaOptions): Promise<ObjectReplica> {
  const { id, config, logger } = opts;
  const logStore = new DurableObjectLogStore(opts.storage);
  const nc = await wsconnect(natsOptions(config, `atlas-replica-${id}`));
  const counters = createDropCounters();
  const { kv, chat, all: machines } = createBuiltinMachines();
  const bootstrap = config.peers.includes(id) ? { voters: [...config.peers], learners: [] } : null;
  let replica: Replica;
  try {
    replica = await Replica.open({
      id,
      cluster: config.cluster,
      bootstrap,
      logStore,
      transport: natsTransportFactory({ nc, cluster: config.cluster, self: id, counters }),
      // setInterval runs while the object is alive; the object's alarm brings it back after a reset.
      ticker: intervalTicker,
      clock: systemClock,
      logger,
      rng: seededRng(crypto.getRandomValues(new Uint32Array(1))[0]!),
      machines,
      events: natsEventSink(nc, config.cluster, id),
      tickMs: config.tickMs,
    });
  } catch (error) {
    await nc.close();
    throw error;
  }
  // The services live as long as the object: it is never stopped gracefully, only reset (a crash).
  startReplicaServices({ nc, cluster: config.cluster, replica, kv, chat, counters, logger });
  replica.start();
  return { replica, nc, logStore, connectionClosed: nc.closed().then(() => undefined) };
}
