// What every replica host (a Node process, a Durable Object) runs around a Replica once it is open:
// the functions' backend (forwarding leader-only calls of one turn as one `batch` request), the NATS
// API server, and the commit and chat publishers. Web-standard: the host brings the connection.

import type { NatsConnection } from '@nats-io/nats-core';
import { createBatchingCall } from '../../actors/api/batch.ts';
import { natsChatSink } from '../../actors/api/chat-nats-sink.ts';
import { startChatPublisher } from '../../actors/api/chat-publisher.ts';
import { publishCommits } from '../../actors/api/commit-publisher.ts';
import { createNatsApiCall } from '../../actors/api/nats-api-client.ts';
import { NatsApiServer } from '../../actors/api/nats-api-server.ts';
import { natsEventSink } from '../../actors/api/nats-events.ts';
import { WatchInterest } from '../../actors/api/watch-interest.ts';
import type { ChatMachine } from '../../actors/machines/chat/machine.ts';
import type { KvMachine } from '../../actors/machines/kv/machine.ts';
import type { Logger } from '../../actors/replica/ports.ts';
import type { Replica } from '../../actors/replica/replica.ts';
import type { DropCounters } from '../../actors/transport/nats-transport.ts';
import type { Backend } from '../backend.ts';
import { createReplicaBackend } from './replica.ts';

export interface ReplicaServicesOptions {
  readonly nc: NatsConnection;
  readonly cluster: string;
  readonly replica: Replica;
  readonly kv: KvMachine;
  readonly chat: ChatMachine;
  /** The transport's drop counters, exposed in /metrics as atlas_dropped_messages_<reason>. */
  readonly counters: DropCounters;
  readonly logger: Logger;
}

export interface ReplicaServices {
  readonly backend: Backend;
  /** Stops serving the API and publishing. */
  stop(): void;
}

export function startReplicaServices(opts: ReplicaServicesOptions): ReplicaServices {
  const { nc, cluster, replica } = opts;
  const forward = createBatchingCall(createNatsApiCall({ nc, cluster }));
  const watchInterest = new WatchInterest();
  const backend = createReplicaBackend({
    watchInterest,
    replica,
    kv: opts.kv,
    chat: opts.chat,
    forward,
    extraMetrics: () => Object.fromEntries(Object.entries(opts.counters).map(([reason, n]) => [`atlas_dropped_messages_${reason}`, n])),
  });
  const apiServer = new NatsApiServer(nc, cluster, replica, backend.call);
  const stopCommits = publishCommits(replica, opts.kv, natsEventSink(nc, cluster, replica.id), watchInterest);
  const chatPublisher = startChatPublisher({ replica, chat: opts.chat, sink: natsChatSink(nc, cluster, replica.id), logger: opts.logger });
  return {
    backend,
    stop() {
      apiServer.close();
      stopCommits();
      chatPublisher.stop();
    },
  };
}
