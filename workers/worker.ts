// The Atlas Worker (wrangler.toml `main`). Serves the /v1 API (CONTRACT §3) through the Gateway
// object, which reaches the leader over NATS as the Node gateway does, and keeps the Replica objects
// awake. Replicas are Durable Objects (`Replica`), one per replica id.

import { readConfig, type Env } from './config.ts';
import { GatewayObject } from './gateway-object.ts';
import { jsonError } from './json.ts';
import { ReplicaObject } from './replica-object.ts';
import type { ExecutionContext, ScheduledController } from './runtime.ts';
import { testRoutes } from './test-routes.ts';
import { wakeReplicas, wakeReplicasRateLimited } from './wake.ts';

export { ReplicaObject as Replica, GatewayObject as Gateway };

/** All API traffic goes through one gateway object (one NATS connection, one Lamport clock). */
const GATEWAY_OBJECT = 'gateway';
/** More than any body the API accepts (8 MiB of JSON); the gateway answers 413 for what reaches it. */
const MAX_FORWARDED_BODY_BYTES = 9 * 1024 * 1024;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    let config;
    try {
      config = readConfig(env);
    } catch (error) {
      return jsonError(500, 'misconfigured', error instanceof Error ? error.message : String(error), { 'Atlas-Lamport': '0' });
    }
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/__atlas/')) return testRoutes(env, config).fetch(request);
    wakeReplicasRateLimited(env, config, ctx);
    return env.GATEWAY.get(env.GATEWAY.idFromName(GATEWAY_OBJECT)).fetch(await withBufferedBody(request));
  },

  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(wakeReplicas(env, readConfig(env)));
  },
};

/**
 * The request with its body read into memory (at most MAX_FORWARDED_BODY_BYTES + 1 bytes; the rest
 * is cancelled). A streamed body would still be pumped into the gateway after it answered early
 * (a 413), which the runtime refuses once the response has been sent.
 */
async function withBufferedBody(request: Request): Promise<Request> {
  if (request.body === null) return request;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total <= MAX_FORWARDED_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  if (total > MAX_FORWARDED_BODY_BYTES) await reader.cancel();
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const headers = new Headers(request.headers);
  headers.delete('Content-Length');
  return new Request(request.url, { method: request.method, headers, body });
}
