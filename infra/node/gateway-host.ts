// Runs the stateless gateway: the functions (Hono) over HTTP, reaching the cluster over NATS.

import type { ServerType } from '@hono/node-server';
import { connect } from '@nats-io/transport-node';
import { serveApp } from './http-serve.ts';
import { createApp } from '../../functions/app.ts';
import { createNatsBackend } from '../../functions/backends/nats.ts';
import { natsConnectOptions, type NatsAuth } from './nats-connect.ts';

export interface GatewayHostOptions {
  readonly cluster: string;
  readonly natsUrl: string;
  readonly natsAuth?: NatsAuth;
  readonly httpPort: number;
  readonly httpHost?: string;
  readonly token?: string;
}

export interface GatewayHost {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startGatewayHost(opts: GatewayHostOptions): Promise<GatewayHost> {
  const nc = await connect(natsConnectOptions(opts.natsUrl, opts.natsAuth, 'atlas-gateway'));
  const backend = createNatsBackend({ nc, cluster: opts.cluster });
  const app = createApp({ backend, ...(opts.token ? { token: opts.token } : {}) });
  const host = opts.httpHost ?? '127.0.0.1';
  const server = await serveApp(app, opts.httpPort, host).catch(async (error: unknown) => {
    await nc.close().catch(() => {});
    throw error;
  });
  return {
    url: `http://${host}:${opts.httpPort}`,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await nc.drain().catch(() => {});
    },
  };
}
