// A real 3-replica in-process cluster with one HTTP app per replica. Followers forward leader-only
// operations to the current leader's backend in-process, as NATS request/reply does in production.

import type { ApiCall, ApiReply } from '../../actors/api/ops.ts';
import { bankMachine } from '../../actors/machines/examples/bank.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import type { NodeId } from '../../actors/raft/types.ts';
import type { Replica } from '../../actors/replica/replica.ts';
import { createApp, type AppOptions } from '../../functions/app.ts';
import type { Backend } from '../../functions/backend.ts';
import { createReplicaBackend } from '../../functions/backends/replica.ts';
import { MemoryCluster } from '../helpers/memory-cluster.ts';

export type App = ReturnType<typeof createApp>;

export interface HttpClusterOptions extends Omit<AppOptions, 'backend'> {
  readonly historyMaxEvents?: number;
}

export class HttpCluster {
  readonly backends = new Map<NodeId, Backend>();
  readonly apps = new Map<NodeId, App>();
  /** Watches currently open on any backend (started and not yet cancelled). */
  openWatches = 0;

  private constructor(readonly cluster: MemoryCluster, private readonly appOptions: Omit<AppOptions, 'backend'>) {}

  static async start(options: HttpClusterOptions = {}): Promise<HttpCluster> {
    const { historyMaxEvents, ...appOptions } = options;
    const cluster = await MemoryCluster.start({
      machines: () => [createKvMachine(historyMaxEvents !== undefined ? { historyMaxEvents } : {}), bankMachine],
    });
    const http = new HttpCluster(cluster, appOptions);
    for (const id of cluster.ids) http.mount(id);
    await cluster.waitForLeader();
    return http;
  }

  /** Builds the backend and app of a running replica (again after a restart). */
  mount(id: NodeId, appOptions: Omit<AppOptions, 'backend'> = this.appOptions): App {
    const replica = this.cluster.replicas.get(id)!;
    const kv = this.cluster.kvMachines.get(id)!;
    const backend = this.countWatches(createReplicaBackend({ replica, kv, forward: this.forward }));
    const app = createApp({ ...appOptions, backend });
    this.backends.set(id, backend);
    this.apps.set(id, app);
    return app;
  }

  /** An extra app over an existing replica's backend, with other options (e.g. a short timeout). */
  appFor(id: NodeId, appOptions: Omit<AppOptions, 'backend'>): App {
    return createApp({ ...appOptions, backend: this.backends.get(id)! });
  }

  async leader(): Promise<Replica> {
    return this.cluster.waitForLeader();
  }

  async leaderApp(): Promise<{ id: NodeId; app: App }> {
    const leader = await this.leader();
    return { id: leader.id, app: this.apps.get(leader.id)! };
  }

  async followerApp(): Promise<{ id: NodeId; app: App }> {
    const leader = await this.leader();
    const id = this.cluster.ids.find((r) => r !== leader.id && this.cluster.replicas.has(r))!;
    return { id, app: this.apps.get(id)! };
  }

  stop(): Promise<void> {
    return this.cluster.stop();
  }

  private readonly forward: ApiCall = async (op, request, options): Promise<ApiReply> => {
    const leader = [...this.cluster.replicas.values()].find((r) => r.role === 'leader');
    const backend = leader && this.backends.get(leader.id);
    if (!backend) {
      return { ok: false, error: { code: 'unavailable', message: 'no leader is known', leader: null }, lamport: 0 };
    }
    return backend.call(op, request, options);
  };

  private countWatches(backend: Backend): Backend {
    return {
      ...backend,
      watch: async (prefix, from, sink) => {
        const cancel = await backend.watch(prefix, from, sink);
        this.openWatches++;
        let cancelled = false;
        return () => {
          if (cancelled) return;
          cancelled = true;
          this.openWatches--;
          cancel();
        };
      },
    };
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface SseMessage {
  readonly event: string;
  readonly id?: string;
  readonly data: string;
}

/** Reads an SSE response incrementally; comments (heartbeats) are counted, not returned. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  /** Chunks read, each as received: shows which events arrived together. */
  readonly chunks: string[] = [];
  comments = 0;

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  /** The next message, or null when the stream ended. Fails after `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<SseMessage | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.parseOne();
      if (message) return message;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no SSE message within ${timeoutMs} ms (buffer: ${JSON.stringify(this.buffer)})`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const read = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining))),
      ]);
      clearTimeout(timer);
      if (read === 'timeout') continue;
      if (read.done) return null;
      const text = this.decoder.decode(read.value, { stream: true });
      this.chunks.push(text);
      this.buffer += text;
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }

  private parseOne(): SseMessage | null {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end === -1) return null;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments++;
          continue;
        }
        fields++;
        const colon = line.indexOf(':');
        const name = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'event') event = value;
        else if (name === 'id') id = value;
        else if (name === 'data') data.push(value);
      }
      if (fields > 0) return { event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) };
    }
  }
}
