// The ledger over HTTP: GET /v1/log?from=&limit= lists committed entries with their chain hash, parent
// hash and covering seal; GET /v1/log/verify checks the serving replica's held log (hash chain and
// every seal's signature) and answers 200 with `ok` true or false (a failed check is a result, not an
// HTTP error).

import { Hono } from 'hono';
import { bytesToJson } from '../../actors/api/json-values.ts';
import { MAX_LOG_LIMIT } from '../../actors/ledger/log-view.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { integerParam } from '../parse/query.ts';

export function logRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/log', async (c) => {
    const from = integerParam(c, 'from', 1);
    const limit = integerParam(c, 'limit', 1, MAX_LOG_LIMIT);
    const page = await callBackend(c, config, 'log.read', { ...(from !== undefined ? { from } : {}), ...(limit !== undefined ? { limit } : {}) });
    return c.body(JSON.stringify(bytesToJson(page)), 200, { 'Content-Type': 'application/json' });
  });

  app.get('/v1/log/verify', async (c) => c.json(await callBackend(c, config, 'log.verify', {})));

  return app;
}
