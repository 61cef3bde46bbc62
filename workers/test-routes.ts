// `/__atlas/*`: routes for tests and debugging, served only when ATLAS_TEST_ROUTES is `true`.
//
//   POST /__atlas/conformance               LogStore conformance cases on a scratch object's storage
//   GET  /__atlas/replicas                  every replica object's own view (starts nothing)
//   GET  /__atlas/replicas/{id}             one replica object's view
//   POST /__atlas/replicas/{id}/wake        start it now
//   POST /__atlas/replicas/{id}/abort       reset the object (a crash: it recovers from storage)
//   POST /__atlas/replicas/{id}/drop-nats   close its NATS connection (the object then resets itself)

import { Hono } from 'hono';
import type { Env, WorkerConfig } from './config.ts';
import { json, jsonError } from './json.ts';
import { REPLICA_ID_HEADER } from './replica-object.ts';
import { replicaStub } from './wake.ts';

/** Name of the object the conformance cases run in; it never hosts a replica. */
export const CONFORMANCE_OBJECT = '__conformance';
const INTERNAL = 'https://replica.atlas';

export function testRoutes(env: Env, config: WorkerConfig): Hono {
  const app = new Hono();
  if (!config.testRoutes) {
    app.all('*', () => jsonError(404, 'not_found', 'test routes are disabled (ATLAS_TEST_ROUTES is not "true")'));
    return app;
  }
  const known = (id: string) => config.objectReplicas.includes(id);

  app.post('/__atlas/conformance', async () => replicaStub(env, CONFORMANCE_OBJECT).fetch(`${INTERNAL}/conformance`, { method: 'POST' }));

  app.get('/__atlas/replicas', async () => {
    const views = await Promise.all(config.objectReplicas.map(async (id) => (await replicaStub(env, id).fetch(`${INTERNAL}/status`)).json()));
    return json({ replicas: views });
  });

  app.get('/__atlas/replicas/:id', async (c) => {
    const id = c.req.param('id');
    if (!known(id)) return jsonError(404, 'not_found', `no replica object ${id}`);
    return replicaStub(env, id).fetch(`${INTERNAL}/status`);
  });

  app.post('/__atlas/replicas/:id/:action{wake|abort|drop-nats}', async (c) => {
    const id = c.req.param('id');
    const action = c.req.param('action');
    if (!known(id)) return jsonError(404, 'not_found', `no replica object ${id}`);
    try {
      return await replicaStub(env, id).fetch(`${INTERNAL}/${action}`, { method: 'POST', headers: { [REPLICA_ID_HEADER]: id } });
    } catch (error) {
      // An object that resets fails the call that reset it: the expected answer to abort and drop-nats.
      const detail = error instanceof Error ? error.message : String(error);
      if (action === 'wake') return jsonError(503, 'unavailable', detail);
      return json({ reset: true, detail });
    }
  });

  app.all('*', (c) => jsonError(404, 'not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`));
  return app;
}
