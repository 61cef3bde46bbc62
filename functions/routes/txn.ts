// POST /v1/txn: an atomic compare-then-branch transaction at one revision. JSON values are UTF-8 text,
// or base64 with `"encoding":"base64"` on the op or compare; get results come back encoded the same way.

import { Hono } from 'hono';
import type { TxnOpResult, TxnResult } from '../../actors/machines/kv/commands.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { decodeValue, encodeValue } from '../encoding.ts';
import { asObject, optionalArray, readJsonObject } from '../parse/body.ts';
import { idempotencyKey } from '../parse/headers.ts';
import { badRequest } from '../errors.ts';

const TXN_FIELDS = new Set(['compare', 'success', 'failure']);

export function txnRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/v1/txn', async (c) => {
    const retry = idempotencyKey(c);
    const body = await readJsonObject(c, config.maxJsonBytes);
    for (const field of Object.keys(body)) {
      if (!TXN_FIELDS.has(field)) throw badRequest(`unknown field ${JSON.stringify(field)}: a transaction has compare, success, failure`);
    }
    const request = {
      compare: optionalArray(body, 'compare').map((item, i) => withBytes(item, `compare[${i}]`)),
      success: optionalArray(body, 'success').map((item, i) => withBytes(item, `success[${i}]`)),
      failure: optionalArray(body, 'failure').map((item, i) => withBytes(item, `failure[${i}]`)),
      ...retry,
    };
    const result = await callBackend<TxnResult>(c, config, 'txn', request);
    return c.json({ succeeded: result.succeeded, revision: result.revision, results: result.results.map(renderResult) });
  });

  return app;
}

/** A compare or op with its `value` (and `encoding`) turned into bytes; other fields pass through to
 *  the KV machine, which checks them and refuses unknown ones. */
function withBytes(item: unknown, where: string): Record<string, unknown> {
  const { value, encoding, ...rest } = asObject(item, where);
  if (value === undefined) {
    if (encoding !== undefined) throw badRequest(`${where}.encoding is only meaningful with a value`);
    return rest;
  }
  return { ...rest, value: decodeValue(value, encoding, where) };
}

function renderResult(result: TxnOpResult): Record<string, unknown> {
  if (result.op !== 'get') return { ...result };
  if (result.value === null) return { op: 'get', key: result.key, revision: result.revision, value: null };
  return { op: 'get', key: result.key, revision: result.revision, ...encodeValue(result.value) };
}
