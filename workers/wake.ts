// Keeps the replica objects awake: a cheap POST /wake to each one's stub. A woken object starts its
// replica (recovering from storage) and arms its own alarm, so after one wake it stays up by itself;
// the Worker repeats the ping at most every WAKE_EVERY_MS per isolate as a safety net (an object reset
// since, an alarm lost in a reload), and the cron trigger repeats it when no request arrives.

import type { Env, WorkerConfig } from './config.ts';
import { REPLICA_ID_HEADER } from './replica-object.ts';
import type { DurableObjectStub, ExecutionContext } from './runtime.ts';

export const WAKE_EVERY_MS = 2_000;
let lastWakeMs = Number.NEGATIVE_INFINITY;

export function replicaStub(env: Env, id: string): DurableObjectStub {
  return env.REPLICA.get(env.REPLICA.idFromName(id));
}

export interface WakeResult {
  readonly id: string;
  readonly ok: boolean;
  readonly detail: unknown;
}

/** Pings every replica object; never throws. */
export async function wakeReplicas(env: Env, config: WorkerConfig): Promise<WakeResult[]> {
  return Promise.all(
    config.objectReplicas.map(async (id): Promise<WakeResult> => {
      try {
        const response = await replicaStub(env, id).fetch('https://replica.atlas/wake', { method: 'POST', headers: { [REPLICA_ID_HEADER]: id } });
        return { id, ok: response.ok, detail: await response.json() };
      } catch (error) {
        return { id, ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/** Pings the replicas in the background unless this isolate did so within the last WAKE_EVERY_MS. */
export function wakeReplicasRateLimited(env: Env, config: WorkerConfig, ctx: ExecutionContext): void {
  const now = Date.now();
  if (now - lastWakeMs < WAKE_EVERY_MS) return;
  lastWakeMs = now;
  ctx.waitUntil(
    wakeReplicas(env, config).then((results) => {
      for (const r of results) if (!r.ok) console.warn(`[worker] waking ${r.id} failed: ${JSON.stringify(r.detail)}`);
    }),
  );
}
