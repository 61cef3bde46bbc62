// The KV routes: PUT/GET/DELETE /v1/kv/{key} and GET /v1/kv (list). Values travel as raw bytes on
// single keys and as text-or-base64 JSON in lists.

import { Hono } from 'hono';
import type { DeleteReply, GetReply, PutReply } from '../../actors/api/ops.ts';
import type { KvListResult } from '../../actors/machines/kv/commands.ts';
import { MAX_LIST_LIMIT } from '../../actors/machines/kv/validation.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { encodeValue } from '../encoding.ts';
import { readBodyBytes } from '../parse/body.ts';
import { idempotencyKey, writeConditions } from '../parse/headers.ts';
import { keyFromUrl } from '../parse/key.ts';
import { consistencyParam, integerParam } from '../parse/query.ts';
import { stampedJson, stampedResponse } from '../middleware/lamport.ts';

export function kvRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/kv', async (c) => {
    const prefix = c.req.query('prefix') ?? '';
    const after = c.req.query('after');
    const limit = integerParam(c, 'limit', 1, MAX_LIST_LIMIT);
    const page = await callBackend<KvListResult>(c, config, 'kv.list', {
      prefix,
      ...(after !== undefined && after !== '' ? { after } : {}),
      ...(limit !== undefined ? { limit } : {}),
      consistency: consistencyParam(c),
    });
    return c.json({
      items: page.items.map((item) => ({ key: item.key, revision: item.revision, ...encodeValue(item.value) })),
      next: page.next,
      revision: page.revision,
    });
  });

  for (const path of ['/v1/kv/', '/v1/kv/*']) {
    app.put(path, async (c) => {
      const key = keyFromUrl(c.req.url);
      const conditions = writeConditions(c, true);
      const ttlSeconds = integerParam(c, 'ttl', 1);
      const retry = idempotencyKey(c);
      const value = await readBodyBytes(c, config.maxValueBytes, 'the value');
      const reply = await callBackend<PutReply>(c, config, 'kv.put', {
        key,
        value,
        ...conditions,
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
        ...retry,
      });
      return stampedJson(c, { key: reply.key, revision: reply.revision, lamport: reply.lamport });
    });

    app.get(path, async (c) => {
      const key = keyFromUrl(c.req.url);
      const consistency = consistencyParam(c);
      const entry = await callBackend<GetReply>(c, config, 'kv.get', { key, consistency });
      const headers: Record<string, string> = {
        'Content-Type': 'application/octet-stream',
        ETag: `"${entry.revision}"`,
        'Atlas-Revision': String(entry.revision),
        'Atlas-Create-Revision': String(entry.createRevision),
        'Atlas-Version': String(entry.version),
      };
      if (consistency === 'stale') headers['Atlas-Applied-Index'] = String(entry.appliedIndex);
      return stampedResponse(c, entry.value as Uint8Array<ArrayBuffer>, 200, headers);
    });

    app.delete(path, async (c) => {
      const key = keyFromUrl(c.req.url);
      const conditions = writeConditions(c, false);
      const reply = await callBackend<DeleteReply>(c, config, 'kv.delete', { key, ...conditions, ...idempotencyKey(c) });
      return stampedJson(c, { key: reply.key, revision: reply.revision, deleted: reply.deleted });
    });
  }

  return app;
}
