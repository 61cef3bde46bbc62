// Cluster routes: status, leader, membership changes, leadership transfer (under /v1), and the open
// operational endpoints /health and /metrics.

import { Hono } from 'hono';
import type { StatusReply } from '../../actors/api/ops.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { RETRY_AFTER_SECONDS, badRequest } from '../errors.ts';
import { optionalBoolean, readJsonObject, requiredString } from '../parse/body.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function clusterRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/status', async (c) => c.json(await callBackend<StatusReply>(c, config, 'status', {})));

  app.get('/v1/leader', async (c) => c.json(await callBackend(c, config, 'leader', {})));

  app.get('/v1/members', async (c) => c.json(await callBackend(c, config, 'members.list', {})));

  app.post('/v1/members', async (c) => {
    const body = await readJsonObject(c, config.maxJsonBytes);
    const id = requiredString(body, 'id');
    const learner = optionalBoolean(body, 'learner');
    if (learner === false) throw badRequest('new members join as learners ("learner": true) and are promoted once caught up');
    return c.json(await callBackend(c, config, 'members.add', { id, learner: true }));
  });

  app.post('/v1/members/:id/promote', async (c) => c.json(await callBackend(c, config, 'members.promote', { id: c.req.param('id') })));

  app.delete('/v1/members/:id', async (c) => c.json(await callBackend(c, config, 'members.remove', { id: c.req.param('id') })));

  app.post('/v1/leader/transfer', async (c) => {
    const body = await readJsonObject(c, config.maxJsonBytes);
    return c.json(await callBackend(c, config, 'leader.transfer', { to: requiredString(body, 'to') }));
  });

  return app;
}

export function operationalRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/health', async (c) => {
    const health = await config.backend.health();
    if (health.ok) return c.json({ ok: true, reason: health.reason });
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return c.json({ ok: false, reason: health.reason, error: { code: 'unavailable', message: health.reason } }, 503);
  });

  app.get('/metrics', async (c) => c.body(await config.backend.metrics(), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }));

  return app;
}
