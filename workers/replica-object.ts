// The `Replica` Durable Object: one Atlas replica per object (r1, r2, r3 are objects named after
// their ids). Its storage is the replica's disk; its in-memory state is a process.
//
// Life cycle:
//   - woken by POST /wake (the Worker pings every replica object before serving, rate-limited) or by
//     its alarm; the first wake binds the object to its replica id for good (stored in the object);
//   - starting recovers the replica from storage (Replica.open), connects to NATS with `wsconnect`
//     and ticks with setInterval while the object is alive;
//   - the alarm is (re)armed at every start, because alarms can be lost when the runtime reloads, and
//     re-arms itself; each alarm wakes the replica if it is not running, and resets the object when
//     the replica has failed;
//   - a reset (ctx.abort, eviction, a runtime restart, the NATS connection closing for good) is a clean
//     crash: nothing in memory survives, and the next wake recovers from storage.
//
// Internal routes (reached only through the Worker, never from the Internet):
//   POST /wake          header Atlas-Replica-Id: start (if needed); answers the status
//   GET  /status        this object's view, without starting anything
//   POST /abort         test only: reset the object now
//   POST /drop-nats     test only: close the NATS connection (the object then resets itself)
//   POST /conformance   test only: run the LogStore conformance cases on this object's storage

import type { Logger } from '../actors/replica/ports.ts';
import { readConfig, type Env, type WorkerConfig } from './config.ts';
import { runLogStoreConformance } from './conformance-run.ts';
import { json, jsonError } from './json.ts';
import { startObjectReplica, type ObjectReplica } from './object-replica.ts';
import type { DurableObjectState } from './runtime.ts';

export const REPLICA_ID_HEADER = 'Atlas-Replica-Id';
const REPLICA_ID_KEY = 'atlas:replica-id';

export interface ReplicaObjectStatus {
  readonly id: string | null;
  /** Random per construction of the object: changes with every reset. */
  readonly incarnation: string;
  readonly running: boolean;
  readonly natsConnected: boolean;
  readonly role: string | null;
  readonly term: number | null;
  readonly leader: string | null;
  readonly appliedIndex: number | null;
  readonly commitIndex: number | null;
  readonly lastIndex: number | null;
  readonly failed: string | null;
  readonly storageBytes: { readonly log: number; readonly snapshot: number } | null;
  readonly databaseBytes: number;
  readonly syncs: number;
}

export class ReplicaObject {
  private readonly incarnation = crypto.randomUUID();
  private replicaId: string | null = null;
  private starting: Promise<ObjectReplica> | null = null;
  private current: ObjectReplica | null = null;
  private alarmChecked = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  async fetch(request: Request): Promise<Response> {
    const config = readConfig(this.env);
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/wake' && request.method === 'POST') {
        const id = request.headers.get(REPLICA_ID_HEADER);
        if (!id || !config.objectReplicas.includes(id)) return jsonError(400, 'bad_request', `${REPLICA_ID_HEADER} must name one of ${config.objectReplicas.join(', ')}`);
        await this.wake(id, config);
        return json(await this.status());
      }
      if (pathname === '/status' && request.method === 'GET') return json(await this.status());
      if (!config.testRoutes) return jsonError(404, 'not_found', `no route ${pathname}`);
      if (pathname === '/abort' && request.method === 'POST') {
        this.reset('reset requested through a test route');
        return json({ reset: true });
      }
      if (pathname === '/drop-nats' && request.method === 'POST') {
        if (!this.current) return jsonError(409, 'precondition_failed', 'the replica is not running');
        await this.current.nc.close();
        return json({ dropped: true, incarnation: this.incarnation });
      }
      if (pathname === '/conformance' && request.method === 'POST') {
        if ((await this.storedId()) !== undefined) return jsonError(409, 'precondition_failed', 'conformance runs only on an object that is not a replica');
        return json(await runLogStoreConformance(this.ctx.storage));
      }
      return jsonError(404, 'not_found', `no route ${pathname}`);
    } catch (error) {
      return jsonError(503, 'unavailable', error instanceof Error ? error.message : String(error));
    }
  }

  async alarm(): Promise<void> {
    const config = readConfig(this.env);
    const id = await this.storedId();
    if (id === undefined) return;
    try {
      if (this.current?.replica.failed) this.reset(`replica failed: ${this.current.replica.failed.message}`);
      await this.wake(id, config);
    } catch (error) {
      this.logger(id).warn(`wake from alarm failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + config.watchdogMs);
    }
  }

  /** Starts the replica `id` in this object unless it runs already. Concurrent wakes share one start. */
  private async wake(id: string, config: WorkerConfig): Promise<ObjectReplica> {
    if (this.replicaId === null) {
      const stored = await this.storedId();
      if (stored !== undefined && stored !== id) throw new Error(`this object is replica ${stored}, not ${id}`);
      if (stored === undefined) await this.ctx.storage.put(REPLICA_ID_KEY, id);
      this.replicaId = id;
    } else if (this.replicaId !== id) {
      throw new Error(`this object is replica ${this.replicaId}, not ${id}`);
    }
    if (!this.alarmChecked) {
      this.alarmChecked = true;
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + config.watchdogMs);
    }
    this.starting ??= this.start(id, config);
    return this.starting;
  }

  private async start(id: string, config: WorkerConfig): Promise<ObjectReplica> {
    const logger = this.logger(id);
    try {
      const started = await startObjectReplica({ id, config, storage: this.ctx.storage, logger });
      this.current = started;
      logger.info(`started (incarnation ${this.incarnation}) at term ${started.replica.term}, applied index ${started.replica.appliedIndex}`);
      void started.connectionClosed.then(() => this.reset('the NATS connection closed'));
      return started;
    } catch (error) {
      this.starting = null;
      throw error;
    }
  }

  /** A clean crash: the runtime drops this instance; the next event recovers the replica from storage. */
  private reset(reason: string): void {
    if (this.replicaId) this.logger(this.replicaId).warn(`resetting the object: ${reason}`);
    this.ctx.abort(reason);
  }

  private storedId(): Promise<string | undefined> {
    return this.ctx.storage.get<string>(REPLICA_ID_KEY);
  }

  private async status(): Promise<ReplicaObjectStatus> {
    const r = this.current?.replica ?? null;
    const s = r?.raftStatus() ?? null;
    return {
      id: this.replicaId ?? (await this.storedId()) ?? null,
      incarnation: this.incarnation,
      running: r !== null,
      natsConnected: this.current !== null && !this.current.nc.isClosed(),
      role: r?.role ?? null,
      term: r?.term ?? null,
      leader: r?.leader ?? null,
      appliedIndex: r?.appliedIndex ?? null,
      commitIndex: s?.commitIndex ?? null,
      lastIndex: s?.lastIndex ?? null,
      failed: r?.failed?.message ?? null,
      storageBytes: r?.storageBytes() ?? null,
      databaseBytes: this.ctx.storage.sql.databaseSize,
      syncs: this.current?.logStore.syncCount ?? 0,
    };
  }

  private logger(id: string): Logger {
    return {
      info: (line) => console.log(`[${id}] ${line}`),
      warn: (line) => console.warn(`[${id}] ${line}`),
      error: (line) => console.error(`[${id}] ${line}`),
    };
  }
}
