// POST /v1/propose: a command for any registered state machine. Waits for commit and returns the
// machine's result; `?wait=false` returns 202 with the log index as soon as the leader appended it.

import { Hono } from 'hono';
import type { ProposeReply } from '../../actors/api/ops.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { bytesAsBase64 } from '../encoding.ts';
import { badRequest } from '../errors.ts';
import { readJsonObject, requiredString } from '../parse/body.ts';
import { idempotencyKey } from '../parse/headers.ts';
import { booleanParam } from '../parse/query.ts';

export function proposeRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/v1/propose', async (c) => {
    const wait = booleanParam(c, 'wait') ?? true;
    const retry = idempotencyKey(c);
    const body = await readJsonObject(c, config.maxJsonBytes);
    const machine = requiredString(body, 'machine');
    if (!('command' in body)) throw badRequest('body."command" is required');
    for (const field of Object.keys(body)) {
      if (field !== 'machine' && field !== 'command') throw badRequest(`unknown field ${JSON.stringify(field)}: a proposal has machine and command`);
    }
    const reply = await callBackend<ProposeReply>(c, config, 'propose', { machine, command: body.command, wait, ...retry });
    if (!wait) return c.json({ index: reply.index }, 202);
    const rendered = JSON.stringify(
      { index: reply.index, result: reply.result ?? null, ...(reply.duplicate ? { duplicate: true } : {}) },
      bytesAsBase64,
    );
    return c.body(rendered, 200, { 'Content-Type': 'application/json' });
  });

  return app;
}
