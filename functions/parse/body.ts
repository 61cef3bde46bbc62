// Request bodies with a size limit that holds whether or not the client declares Content-Length:
// a declared length over the limit is refused before reading, and reading stops at the limit.

import { joinBytes } from '../../actors/codec/join-bytes.ts';
import type { Context } from 'hono';
import { badRequest, tooLarge } from '../errors.ts';
import { parseNonNegativeInteger } from './numbers.ts';
import { requestHeader } from './request-header.ts';

/**
 * What a host may put in the Hono `env` to read request bodies more cheaply than through
 * `Request.body` (the Node host reads the IncomingMessage directly). Contract: resolves the whole
 * body, or 'too-large' once more than `limitBytes` arrived; called at most once per request.
 */
export interface HostBodyBinding {
  readonly atlasReadRequestBody?: (limitBytes: number) => Promise<Uint8Array | 'too-large'>;
}

export async function readBodyBytes(c: Context, limitBytes: number, what: string): Promise<Uint8Array> {
  const declared = requestHeader(c, 'Content-Length');
  if (declared !== undefined) {
    const length = parseNonNegativeInteger(declared);
    if (length === null) throw badRequest('Content-Length must be a non-negative integer');
    if (length > limitBytes) throw tooLarge(`${what} is ${length} bytes; the limit is ${limitBytes}`);
  }
  const hostRead = (c.env as HostBodyBinding | undefined)?.atlasReadRequestBody;
  if (typeof hostRead === 'function') {
    const bytes = await hostRead(limitBytes);
    if (bytes === 'too-large') throw tooLarge(`${what} is over the limit of ${limitBytes} bytes`);
    return bytes;
  }
  return readWebBody(c, limitBytes, what);
}

async function readWebBody(c: Context, limitBytes: number, what: string): Promise<Uint8Array> {
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`${what} is over the limit of ${limitBytes} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  return joinBytes(chunks, total);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body parsed as a JSON object (400 for anything else). */
export async function readJsonObject(c: Context, limitBytes: number): Promise<Record<string, unknown>> {
  const bytes = await readBodyBytes(c, limitBytes, 'the JSON body');
  if (bytes.byteLength === 0) throw badRequest('the request body must be a JSON object (it is empty)');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw badRequest('the request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Field helpers for JSON bodies: each failure a 400 naming the field. */
export function requiredString(body: Record<string, unknown>, name: string, where = 'body'): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`${where}."${name}" must be a non-empty string`);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, name: string, where = 'body'): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${where}."${name}" must be a boolean`);
  return value;
}

export function optionalArray(body: Record<string, unknown>, name: string, where = 'body'): unknown[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest(`${where}."${name}" must be an array`);
  return value;
}

export function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${where} must be a JSON object`);
  return value as Record<string, unknown>;
}
