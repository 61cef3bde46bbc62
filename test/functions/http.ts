// Small request helpers for the contract tests: every response is checked for Atlas-Lamport.

import { expect } from 'vitest';
import type { App } from './harness.ts';

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** The Atlas-Lamport header of a response; fails the test when it is missing or not an integer. */
export function lamportOf(res: Response): number {
  const header = res.headers.get('Atlas-Lamport');
  expect(header, 'every response carries Atlas-Lamport').toMatch(/^\d+$/);
  return Number(header);
}

export async function send(app: App, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await app.request(path, init);
  lamportOf(res);
  return res;
}

export function put(app: App, key: string, value: string | Uint8Array, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  return send(app, `/v1/kv/${encodeURIComponent(key)}${query}`, { method: 'PUT', body: value as BodyInit, headers });
}

export function get(app: App, key: string, query = ''): Promise<Response> {
  return send(app, `/v1/kv/${encodeURIComponent(key)}${query}`);
}

export function del(app: App, key: string, headers: Record<string, string> = {}): Promise<Response> {
  return send(app, `/v1/kv/${encodeURIComponent(key)}`, { method: 'DELETE', headers });
}

export function postJson(app: App, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return send(app, path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** Asserts an error response: status, JSON shape and code; returns the error body. */
export async function expectError(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string; revision?: number }> {
  const body = (await res.json()) as { error: { code: string; message: string; revision?: number } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}
