// Connection options shared by every Atlas process: credentials from flags or environment, and
// reconnection forever with backoff (a replica that loses NATS keeps its state and catches up).

import type { NodeConnectionOptions } from '@nats-io/transport-node';

export type NatsAuth = { readonly user: string; readonly pass: string } | { readonly token: string };

/** Reads `ATLAS_NATS_USER`/`ATLAS_NATS_PASS` or `ATLAS_NATS_TOKEN`. */
export function natsAuthFromEnv(env: NodeJS.ProcessEnv = process.env): NatsAuth | undefined {
  if (env.ATLAS_NATS_TOKEN) return { token: env.ATLAS_NATS_TOKEN };
  if (env.ATLAS_NATS_USER) return { user: env.ATLAS_NATS_USER, pass: env.ATLAS_NATS_PASS ?? '' };
  return undefined;
}

export function natsConnectOptions(url: string, auth: NatsAuth | undefined, name: string): NodeConnectionOptions {
  return {
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: true,
    timeout: 5_000,
    // Request errors carry no caller stack: capturing one per request costs CPU on every forward.
    noAsyncTraces: true,
    ...(auth && 'token' in auth ? { token: auth.token } : {}),
    ...(auth && 'user' in auth ? { user: auth.user, pass: auth.pass } : {}),
  };
}
