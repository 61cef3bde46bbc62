// The Node host reads request bodies and headers straight from the IncomingMessage (HostBodyBinding,
// HostHeaderBinding): same results and the same limits as the web path, over real HTTP.

import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, HTTP_STATUS } from '../../actors/api/errors.ts';
import { readBodyBytes } from '../../functions/parse/body.ts';
import { requestHeader } from '../../functions/parse/request-header.ts';
import { freePorts } from '../../infra/node/free-port.ts';
import { serveApp } from '../../infra/node/http-serve.ts';

const LIMIT = 1024;

describe('Node request bodies and headers', () => {
  let server: ServerType;
  let origin: string;
  const sources: string[] = [];

  beforeAll(async () => {
    const app = new Hono();
    app.put('/echo', async (c) => {
      sources.push(typeof (c.env as { atlasReadRequestBody?: unknown }).atlasReadRequestBody);
      try {
        const bytes = await readBodyBytes(c, LIMIT, 'the value');
        return c.json({ length: bytes.byteLength, text: new TextDecoder().decode(bytes) });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return c.json({ error: error.message }, HTTP_STATUS[error.code] as 413);
      }
    });
    app.get('/headers', (c) => {
      sources.push(typeof (c.env as { atlasRequestHeader?: unknown }).atlasRequestHeader);
      const names = ['X-Test', 'x-test', 'X-Multi', 'Missing'];
      return c.json({ host: names.map((n) => requestHeader(c, n) ?? null), web: names.map((n) => c.req.header(n) ?? null) });
    });
    const [port] = await freePorts(1);
    server = await serveApp(app, port!, '127.0.0.1');
    origin = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns the whole body through the host reader', async () => {
    const res = await fetch(`${origin}/echo`, { method: 'PUT', body: 'héllo' });
    expect(await res.json()).toEqual({ length: 6, text: 'héllo' });
    expect(sources.at(-1)).toBe('function');
    const empty = await fetch(`${origin}/echo`, { method: 'PUT' });
    expect(await empty.json()).toEqual({ length: 0, text: '' });
  });

  it('refuses a declared length over the limit and a chunked body that grows past it', async () => {
    const declared = await fetch(`${origin}/echo`, { method: 'PUT', body: 'x'.repeat(LIMIT + 1) });
    expect(declared.status).toBe(413);
    const chunked = await chunkedPut(`${origin}/echo`, ['x'.repeat(600), 'y'.repeat(600)]);
    expect(chunked.status).toBe(413);
    expect(chunked.body).toMatch(/over the limit of 1024 bytes/);
    const fits = await chunkedPut(`${origin}/echo`, ['a'.repeat(500), 'b'.repeat(500)]);
    expect(fits.status).toBe(200);
    expect(JSON.parse(fits.body)).toMatchObject({ length: 1000 });
  });

  it('reads headers through the host reader as the web Headers would, repeated ones joined', async () => {
    const res = await new Promise<{ host: unknown[]; web: unknown[] }>((resolve, reject) => {
      const req = httpRequest(`${origin}/headers`, { headers: { 'X-Test': 'one', 'X-Multi': ['a', 'b'] } }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve(JSON.parse(body)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(sources.at(-1)).toBe('function');
    expect(res.host).toEqual(['one', 'one', 'a, b', null]);
    expect(res.host).toEqual(res.web);
  });
});

/** A PUT without Content-Length (Transfer-Encoding: chunked), written chunk by chunk. */
function chunkedPut(url: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
