// Keep-alive HTTP for the load generator, in two interchangeable implementations: undici's Pool
// (one pool per origin) and node:http with a keep-alive Agent. Both keep up to `connections`
// sockets per origin open, read the whole response body, and reject on network errors and on
// `timeoutMs` (the outcome of a timed-out request is unknown to the caller).

import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { Pool } from 'undici';

export type HttpClientKind = 'undici' | 'node';
export const HTTP_CLIENT_KINDS: readonly HttpClientKind[] = ['undici', 'node'];
const DEFAULT_TIMEOUT_MS = 30_000;

export interface HttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

export interface HttpRequest {
  readonly method: 'GET' | 'PUT' | 'POST';
  /** `http://host:port` */
  readonly origin: string;
  readonly path: string;
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

function headersOf(req: HttpRequest): Record<string, string> {
  return { ...req.headers, ...(req.contentType ? { 'content-type': req.contentType } : {}) };
}

export interface HttpClient {
  readonly kind: HttpClientKind;
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export function createHttpClient(kind: HttpClientKind, connectionsPerOrigin: number): HttpClient {
  return kind === 'undici' ? new UndiciHttpClient(connectionsPerOrigin) : new NodeHttpClient(connectionsPerOrigin);
}

class UndiciHttpClient implements HttpClient {
  readonly kind = 'undici';
  private readonly pools = new Map<string, Pool>();
  constructor(private readonly connections: number) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    let pool = this.pools.get(req.origin);
    if (!pool) {
      pool = new Pool(req.origin, { connections: this.connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: DEFAULT_TIMEOUT_MS, bodyTimeout: DEFAULT_TIMEOUT_MS });
      this.pools.set(req.origin, pool);
    }
    const response = await pool.request({
      method: req.method,
      path: req.path,
      ...(req.body !== undefined ? { body: req.body } : {}),
      headers: headersOf(req),
      ...(req.timeoutMs !== undefined ? { signal: AbortSignal.timeout(req.timeoutMs) } : {}),
    });
    const body = new Uint8Array(await response.body.arrayBuffer());
    return { status: response.statusCode, body };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
    this.pools.clear();
  }
}

class NodeHttpClient implements HttpClient {
  readonly kind = 'node';
  private readonly agent: HttpAgent;
  constructor(connections: number) {
    this.agent = new HttpAgent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, keepAliveMsecs: 60_000 });
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.origin);
    const payload = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    return new Promise<HttpResponse>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          agent: this.agent,
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.path,
          headers: { ...headersOf(req), ...(payload !== undefined ? { 'content-length': String(payload.byteLength) } : {}) },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.once('error', reject);
          incoming.once('end', () => resolve({ status: incoming.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
        },
      );
      outgoing.setTimeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => outgoing.destroy(new Error(`HTTP request timed out after ${req.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
      outgoing.once('error', reject);
      outgoing.end(payload);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
