// What every route of the HTTP app shares: the backend, the resolved limits, and the per-request
// variables the middleware and routes exchange.

import type { Backend } from './backend.ts';

export interface AppConfig {
  readonly backend: Backend;
  /** Bearer token every /v1 route requires; null leaves the API open. */
  readonly token: string | null;
  /** Largest KV value accepted (413 above it). */
  readonly maxValueBytes: number;
  /** Largest JSON request body accepted (413 above it). */
  readonly maxJsonBytes: number;
  /** Deadline handed to the backend for each operation. */
  readonly requestTimeoutMs: number;
  /** A comment line is sent on idle watch streams this often. */
  readonly watchHeartbeatMs: number;
  /** Revisions buffered for a watcher that reads too slowly before its stream is ended. */
  readonly watchMaxQueuedRevisions: number;
}

export interface AppEnv {
  Variables: {
    /** The client's Lamport clock from the `Atlas-Lamport` request header, when it sent one. */
    clientClock: number | undefined;
    /** The Lamport clock of the backend reply that served this request, when there was one. */
    replyLamport: number | undefined;
  };
}
