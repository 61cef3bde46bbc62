// A gateway for the dashboard tests: the HTTP app over the NATS backend, as infra/node/gateway-host.ts
// runs it. createApp's app is used as is when it serves the dashboard already; otherwise the dashboard
// routes are mounted on it the way createApp mounts its route groups (`options` apply only then).

import { serve, type ServerType } from '@hono/node-server';
import { connect } from '@nats-io/transport-node';
import { createApp, DEFAULT_MAX_VALUE_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_WATCH_HEARTBEAT_MS, type AppOptions } from '../../functions/app.ts';
import type { Backend } from '../../functions/backend.ts';
import { createNatsBackend } from '../../functions/backends/nats.ts';
import type { AppConfig } from '../../functions/context.ts';
import { dashboardRoutes, type DashboardOptions } from '../../functions/routes/dashboard.ts';
import { freePort } from '../../infra/node/free-port.ts';
import { natsConnectOptions } from '../../infra/node/nats-connect.ts';

export const DASHBOARD_STREAM_PATH = '/v1/dashboard/stream';

/** createApp with the dashboard, for a backend. */
export function appWithDashboard(options: AppOptions, dashboard: DashboardOptions = {}): ReturnType<typeof createApp> {
  const app = createApp(options);
  if (!app.routes.some((route) => route.path === DASHBOARD_STREAM_PATH)) {
    app.route('/', dashboardRoutes(appConfig(options.backend, options.token ?? null), dashboard));
  }
  return app;
}

export function appConfig(backend: Backend, token: string | null): AppConfig {
  return {
    backend,
    token,
    maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
    maxJsonBytes: 8 * DEFAULT_MAX_VALUE_BYTES,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    watchHeartbeatMs: DEFAULT_WATCH_HEARTBEAT_MS,
    watchMaxQueuedRevisions: 10_000,
  };
}

export interface DashboardGateway {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startDashboardGateway(opts: { cluster: string; natsUrl: string; token?: string }): Promise<DashboardGateway> {
  const nc = await connect(natsConnectOptions(opts.natsUrl, undefined, 'atlas-dashboard-test-gateway'));
  const backend = createNatsBackend({ nc, cluster: opts.cluster });
  const app = appWithDashboard({ backend, ...(opts.token ? { token: opts.token } : {}) });
  const port = await freePort();
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      // Open event streams would hold close() until they end.
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await nc.drain().catch(() => {});
    },
  };
}
