// What the HTTP functions need from wherever they run: an API executor, a watch source, health and
// metrics. Implementations: a local replica (functions/backends/replica.ts) and a stateless gateway
// that reaches the cluster over NATS (functions/backends/nats.ts).

import type { ChatStreamCancel, ChatStreamSink, ChatTarget } from '../actors/api/chat-stream.ts';
import type { ApiCall } from '../actors/api/ops.ts';
import type { WatchEvent } from '../actors/machines/kv/commands.ts';

/** Receives a watch's events in revision order. */
export interface WatchSink {
  /** One revision's events (a transaction's events arrive together). */
  events(revision: number, events: readonly WatchEvent[]): void;
  /** Everything up to `revision` has been delivered; live events follow. Called once. */
  synced(revision: number): void;
  /** The watch cannot continue (history compacted under it, or the source went away). */
  end(reason: string): void;
}

export interface Health {
  readonly ok: boolean;
  readonly reason: string;
}

export interface Backend {
  readonly call: ApiCall;
  /** The serving process's Lamport clock now. */
  lamport(): number;
  /** Advances the Lamport clock past a client's and returns it. */
  observeLamport(clock: number): number;
  /**
   * Starts a watch of keys under `prefix` from `fromRevision` (null: from now). Rejects with an
   * ApiError `compacted` when that revision is no longer in history. Resolves to a cancel function.
   */
  watch(prefix: string, fromRevision: number | null, sink: WatchSink): Promise<() => void>;
  /**
   * Streams a chat channel's publications or a user's private messages: those with seq > `afterSeq`
   * (null: from now), then live ones. Rejects with an ApiError (not_found, unavailable) before
   * delivering anything. Resolves to a cancel function.
   */
  chatStream(target: ChatTarget, afterSeq: number | null, sink: ChatStreamSink): Promise<ChatStreamCancel>;
  health(): Promise<Health>;
  /** Prometheus text. */
  metrics(): Promise<string>;
}
