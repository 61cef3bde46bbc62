// Atlas's key-value operations over HTTP (CONTRACT §3), as the bench issues them: `PUT /v1/kv/{key}`
// with the raw value, `GET /v1/kv/{key}` (linearizable). Both throw unless the answer is 200.

import type { HttpClient } from './http-client.ts';

export interface AtlasHttpOptions {
  readonly token?: string;
  readonly timeoutMs?: number;
}

export async function atlasHttpPut(http: HttpClient, origin: string, key: string, value: Uint8Array, opts: AtlasHttpOptions = {}): Promise<void> {
  const res = await http.request({
    method: 'PUT',
    origin,
    path: `/v1/kv/${encodeURIComponent(key)}`,
    body: value,
    contentType: 'application/octet-stream',
    ...(opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  if (res.status !== 200) throw new Error(`atlas put: HTTP ${res.status} ${new TextDecoder().decode(res.body.subarray(0, 160))}`);
}

export async function atlasHttpGet(http: HttpClient, origin: string, key: string, opts: AtlasHttpOptions = {}): Promise<void> {
  const res = await http.request({
    method: 'GET',
    origin,
    path: `/v1/kv/${encodeURIComponent(key)}`,
    ...(opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  if (res.status !== 200) throw new Error(`atlas get: HTTP ${res.status} ${new TextDecoder().decode(res.body.subarray(0, 160))}`);
}
