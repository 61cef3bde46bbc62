// A real 3-replica in-process cluster (KV and chat machines) with one HTTP app per replica: the app
// of functions/app.ts plus the chat routes. Followers forward leader-only operations to the current
// leader's backend in process, as NATS request/reply does in production.

import type { ApiCall, ApiReply } from '../../actors/api/ops.ts';
import { createChatMachine, type ChatMachine } from '../../actors/machines/chat/machine.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import type { NodeId } from '../../actors/raft/types.ts';
import type { Replica } from '../../actors/replica/replica.ts';
import { createApp, DEFAULT_MAX_VALUE_BYTES } from '../../functions/app.ts';
import type { Backend } from '../../functions/backend.ts';
import { createReplicaBackend } from '../../functions/backends/replica.ts';
import type { AppConfig } from '../../functions/context.ts';
import { chatRoutes } from '../../functions/routes/chat.ts';
import { MemoryCluster } from '../helpers/memory-cluster.ts';

export type App = ReturnType<typeof createApp>;

export interface ChatAppOptions {
  readonly requestTimeoutMs?: number;
  readonly heartbeatMs?: number;
}

/** The Atlas app over `backend` with the chat routes registered, as functions/app.ts will do. */
export function chatApp(backend: Backend, options: ChatAppOptions = {}): App {
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const app = createApp({ backend, requestTimeoutMs, watchHeartbeatMs: heartbeatMs });
  const config: AppConfig = {
    backend,
    token: null,
    maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
    maxJsonBytes: 8 * DEFAULT_MAX_VALUE_BYTES,
    requestTimeoutMs,
    watchHeartbeatMs: heartbeatMs,
    watchMaxQueuedRevisions: 10_000,
  };
  app.route('/', chatRoutes(config));
  return app;
}

export class ChatCluster {
  readonly chats = new Map<NodeId, ChatMachine>();
  readonly backends = new Map<NodeId, Backend>();
  readonly apps = new Map<NodeId, App>();
  cluster!: MemoryCluster;

  static async start(options: { chat?: Parameters<typeof createChatMachine>[0]; app?: ChatAppOptions } = {}): Promise<ChatCluster> {
    const chatCluster = new ChatCluster();
    chatCluster.cluster = await MemoryCluster.start({
      machines: (id) => {
        const chat = createChatMachine(options.chat);
        chatCluster.chats.set(id, chat);
        return [createKvMachine(), chat];
      },
    });
    for (const id of chatCluster.cluster.ids) chatCluster.mount(id, options.app);
    await chatCluster.cluster.waitForLeader();
    return chatCluster;
  }

  /** Builds the backend and app of a running replica (again after a restart). */
  mount(id: NodeId, options: ChatAppOptions = {}): App {
    const replica = this.cluster.replicas.get(id)!;
    const kv = this.cluster.kvMachines.get(id)!;
    const backend = createReplicaBackend({ replica, kv, chat: this.chats.get(id)!, forward: this.forward });
    const app = chatApp(backend, options);
    this.backends.set(id, backend);
    this.apps.set(id, app);
    return app;
  }

  async leader(): Promise<Replica> {
    return this.cluster.waitForLeader();
  }

  async leaderApp(): Promise<App> {
    return this.apps.get((await this.leader()).id)!;
  }

  async followerApp(): Promise<App> {
    const leader = await this.leader();
    return this.apps.get(this.cluster.ids.find((id) => id !== leader.id && this.cluster.replicas.has(id))!)!;
  }

  stop(): Promise<void> {
    return this.cluster.stop();
  }

  private readonly forward: ApiCall = async (op, request, options): Promise<ApiReply> => {
    const leader = [...this.cluster.replicas.values()].find((r) => r.role === 'leader');
    const backend = leader && this.backends.get(leader.id);
    if (!backend) return { ok: false, error: { code: 'unavailable', message: 'no leader is known', leader: null }, lamport: 0 };
    return backend.call(op, request, options);
  };
}
