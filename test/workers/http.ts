// HTTP helpers for tests against a running Worker: every response is checked for Atlas-Lamport.

import { expect } from 'vitest';

export const enc = new TextEncoder();

export interface ApiClient {
  readonly base: string;
  send(path: string, init?: RequestInit): Promise<Response>;
  put(key: string, value: string | Uint8Array, headers?: Record<string, string>): Promise<Response>;
  get(key: string): Promise<Response>;
  del(key: string, headers?: Record<string, string>): Promise<Response>;
  postJson(path: string, body: unknown): Promise<Response>;
}

export function apiClient(base: string): ApiClient {
  const send = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${base}${path}`, { ...init, signal: init.signal ?? AbortSignal.timeout(20_000) });
    if (!path.startsWith('/__atlas/') && !/^\d+$/.test(res.headers.get('Atlas-Lamport') ?? '')) {
      throw new Error(`no Atlas-Lamport header on ${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    }
    return res;
  };
  const kvPath = (key: string) => `/v1/kv/${encodeURIComponent(key)}`;
  return {
    base,
    send,
    put: (key, value, headers = {}) => send(kvPath(key), { method: 'PUT', body: value as BodyInit, headers }),
    get: (key) => send(kvPath(key)),
    del: (key, headers = {}) => send(kvPath(key), { method: 'DELETE', headers }),
    postJson: (path, body) => send(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  };
}

/** Asserts an error response: status, JSON shape and code; returns the error body. */
export async function expectError(res: Response, status: number, code: string): Promise<{ code: string; message: string; revision?: number }> {
  const body = (await res.json()) as { error: { code: string; message: string; revision?: number } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

/**
 * PUTs until it is acknowledged, retrying 503 (no leader yet) and 504 (outcome unknown) with the same
 * Idempotency-Key, as a client must. Returns the acknowledged revision and how long it took.
 */
export async function putEventually(api: ApiClient, key: string, value: string, timeoutMs = 20_000): Promise<{ revision: number; elapsedMs: number }> {
  const started = Date.now();
  const idempotencyKey = `${key}:${crypto.randomUUID()}`;
  let last = '';
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await api.put(key, value, { 'Idempotency-Key': idempotencyKey });
      if (res.status === 200) return { revision: ((await res.json()) as { revision: number }).revision, elapsedMs: Date.now() - started };
      last = `${res.status} ${await res.text()}`;
      if (res.status !== 503 && res.status !== 504) throw new Error(`PUT ${key}: ${last}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(`PUT ${key}:`)) throw error;
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`PUT ${key} not acknowledged within ${timeoutMs} ms; last answer: ${last}`);
}

/** Polls until `predicate` holds; throws with `what` after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, predicate: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | string = 'never probed';
  for (;;) {
    try {
      last = await probe();
      if (predicate(last)) return last;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads Server-Sent Events messages from a response, one at a time. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  async next(timeoutMs = 10_000): Promise<{ event: string; id?: string; data: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.size === 0) continue;
        return { event: fields.get('event') ?? 'message', ...(fields.has('id') ? { id: fields.get('id')! } : {}), data: fields.get('data') ?? '' };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no SSE message within ${timeoutMs} ms (buffer: ${JSON.stringify(this.buffer)})`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const read = await Promise.race([this.reader.read(), new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), remaining)))]);
      clearTimeout(timer);
      if (read === 'timeout') continue;
      if (read.done) throw new Error('SSE stream ended');
      this.buffer += this.decoder.decode(read.value, { stream: true });
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}
