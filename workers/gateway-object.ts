// The `Gateway` Durable Object: the Worker's NATS connection and the /v1 API over the NATS backend
// (functions/backends/nats.ts), exactly as the Node gateway serves it: every operation is a NATS
// request to whichever replica leads. It is an object rather than the Worker itself because a
// Worker invocation cannot keep a socket for the next request; the object keeps one connection for
// all of them. It stores nothing: a reset only costs a reconnect.

import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import type { Hono } from 'hono';
import { createApp } from '../functions/app.ts';
import { createNatsBackend } from '../functions/backends/nats.ts';
import type { AppEnv } from '../functions/context.ts';
import { RETRY_AFTER_SECONDS } from '../functions/errors.ts';
import { natsOptions, readConfig, type Env } from './config.ts';
import { jsonError } from './json.ts';
import type { DurableObjectState } from './runtime.ts';

interface Serving {
  readonly app: Hono<AppEnv>;
  readonly nc: NatsConnection;
}

export class GatewayObject {
  private serving: Promise<Serving> | null = null;

  constructor(
    _ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  async fetch(request: Request): Promise<Response> {
    let serving: Serving;
    try {
      serving = await this.connect();
    } catch (error) {
      const message = `cannot reach NATS: ${error instanceof Error ? error.message : String(error)}`;
      return jsonError(503, 'unavailable', message, { 'Retry-After': String(RETRY_AFTER_SECONDS), 'Atlas-Lamport': '0' });
    }
    return serving.app.fetch(request);
  }

  private connect(): Promise<Serving> {
    this.serving ??= (async () => {
      const config = readConfig(this.env);
      const nc = await wsconnect(natsOptions(config, 'atlas-gateway-worker'));
      void nc.closed().then(() => {
        this.serving = null;
      });
      const backend = createNatsBackend({ nc, cluster: config.cluster });
      return { nc, app: createApp({ backend, token: config.token }) };
    })().catch((error: unknown) => {
      this.serving = null;
      throw error;
    });
    return this.serving;
  }
}
