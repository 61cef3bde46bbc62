// The Atlas HTTP API (CONTRACT §3) as one Hono app over a Backend. The same app is served by replica
// processes, gateways and the Worker; it is web-standard only.
//
// Middleware order: the Lamport clock wraps everything (so every response, errors and 404s included,
// carries Atlas-Lamport), then bearer auth on /v1 when a token is configured.

import { Hono } from 'hono';
import type { Backend } from './backend.ts';
import type { AppConfig, AppEnv } from './context.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { bearerAuth } from './middleware/auth.ts';
import { lamportClock } from './middleware/lamport.ts';
import { clusterRoutes, operationalRoutes } from './routes/cluster.ts';
import { kvRoutes } from './routes/kv.ts';
import { proposeRoutes } from './routes/propose.ts';
import { txnRoutes } from './routes/txn.ts';
import { watchRoutes } from './routes/watch.ts';
import { chatRoutes } from './routes/chat.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { logRoutes } from './routes/log.ts';
import { backupRoutes } from './routes/backup.ts';

export interface AppOptions {
  readonly backend: Backend;
  /** When set (non-empty), every /v1 route requires `Authorization: Bearer <token>`. */
  readonly token?: string | null;
  /** Largest KV value; default 1 MiB. */
  readonly maxValueBytes?: number;
  /** Deadline for each operation; default 5000 ms. A write that misses it is a 504. */
  readonly requestTimeoutMs?: number;
  /** Idle watch streams get a `: ping` comment this often; default 15000 ms. */
  readonly watchHeartbeatMs?: number;
}

export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_WATCH_HEARTBEAT_MS = 15_000;

export function createApp(options: AppOptions): Hono<AppEnv> {
  const config = resolveConfig(options);
  const app = new Hono<AppEnv>();

  app.use('*', lamportClock(config.backend));
  if (config.token !== null) app.use('/v1/*', bearerAuth(config.token));

  app.route('/', operationalRoutes(config));
  app.route('/', kvRoutes(config));
  app.route('/', txnRoutes(config));
  app.route('/', watchRoutes(config));
  app.route('/', proposeRoutes(config));
  app.route('/', clusterRoutes(config));
  app.route('/', logRoutes(config));
  app.route('/', backupRoutes(config));
  app.route('/', chatRoutes(config));
  app.route('/', dashboardRoutes(config));

  app.notFound(notFoundHandler(config.backend));
  app.onError(errorHandler(config.backend));
  return app;
}

function resolveConfig(options: AppOptions): AppConfig {
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  return {
    backend: options.backend,
    token: options.token ? options.token : null,
    maxValueBytes,
    // Transactions carry several values, base64 grows them by a third, and JSON adds its framing.
    maxJsonBytes: Math.max(64 * 1024, 8 * maxValueBytes),
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    watchHeartbeatMs: options.watchHeartbeatMs ?? DEFAULT_WATCH_HEARTBEAT_MS,
    watchMaxQueuedRevisions: 10_000,
  };
}
