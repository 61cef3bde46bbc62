// The Worker's configuration: `[vars]` in wrangler.toml (overridable with `wrangler dev --var`) and
// secrets. Parsed once per event into a typed value; a bad value is a clear error, not a silent default.

import type { ConnectionOptions } from '@nats-io/nats-core';
import { DEFAULT_CLUSTER, assertSubjectSafeName } from '../actors/transport/subjects.ts';
import type { DurableObjectNamespace } from './runtime.ts';

export interface Env {
  /** Durable Object namespace of the replicas (class `Replica`). */
  readonly REPLICA: DurableObjectNamespace;
  /** Durable Object namespace of the gateway that holds the Worker's NATS connection (class `Gateway`). */
  readonly GATEWAY: DurableObjectNamespace;
  readonly ATLAS_CLUSTER?: string;
  /** nats-server's websocket listener, e.g. `ws://127.0.0.1:4223`; comma-separated for several servers. */
  readonly ATLAS_NATS_WS_URL?: string;
  /** The cluster's voters at first start, e.g. `r1,r2,r3` (Durable Object and Node replicas alike). */
  readonly ATLAS_PEERS?: string;
  /** The replicas this Worker runs as Durable Objects; default: every peer. */
  readonly ATLAS_DO_REPLICAS?: string;
  readonly ATLAS_TICK_MS?: string;
  /** Period of each replica object's wake-up alarm. */
  readonly ATLAS_WATCHDOG_MS?: string;
  /** `true` enables the `/__atlas/*` test routes (conformance run, replica abort). Never in production. */
  readonly ATLAS_TEST_ROUTES?: string;
  /** Secret: bearer token required on /v1 when set. */
  readonly ATLAS_TOKEN?: string;
  /** Secrets: NATS credentials. */
  readonly ATLAS_NATS_TOKEN?: string;
  readonly ATLAS_NATS_USER?: string;
  readonly ATLAS_NATS_PASS?: string;
}

export interface WorkerConfig {
  readonly cluster: string;
  readonly natsServers: readonly string[];
  readonly peers: readonly string[];
  readonly objectReplicas: readonly string[];
  readonly tickMs: number;
  readonly watchdogMs: number;
  readonly testRoutes: boolean;
  readonly token: string | null;
  readonly natsAuth: Pick<ConnectionOptions, 'token' | 'user' | 'pass'>;
}

export const DEFAULT_NATS_WS_URL = 'ws://127.0.0.1:4223';
export const DEFAULT_PEERS = 'r1,r2,r3';
export const DEFAULT_TICK_MS = 50;
export const DEFAULT_WATCHDOG_MS = 5_000;

/** Thrown for a configuration the Worker cannot run with; the message names the variable. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

export function readConfig(env: Env): WorkerConfig {
  const cluster = env.ATLAS_CLUSTER || DEFAULT_CLUSTER;
  assertSubjectSafeName(cluster, 'cluster');
  const peers = idList(env.ATLAS_PEERS || DEFAULT_PEERS, 'ATLAS_PEERS');
  const objectReplicas = env.ATLAS_DO_REPLICAS ? idList(env.ATLAS_DO_REPLICAS, 'ATLAS_DO_REPLICAS') : peers;
  const natsServers = (env.ATLAS_NATS_WS_URL || DEFAULT_NATS_WS_URL).split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const server of natsServers) {
    if (!/^wss?:\/\//.test(server)) throw new WorkerConfigError(`ATLAS_NATS_WS_URL: ${JSON.stringify(server)} is not a ws:// or wss:// URL`);
  }
  return {
    cluster,
    natsServers,
    peers,
    objectReplicas,
    tickMs: positiveInt(env.ATLAS_TICK_MS, DEFAULT_TICK_MS, 'ATLAS_TICK_MS'),
    watchdogMs: positiveInt(env.ATLAS_WATCHDOG_MS, DEFAULT_WATCHDOG_MS, 'ATLAS_WATCHDOG_MS'),
    testRoutes: env.ATLAS_TEST_ROUTES === 'true',
    token: env.ATLAS_TOKEN ? env.ATLAS_TOKEN : null,
    natsAuth: env.ATLAS_NATS_TOKEN
      ? { token: env.ATLAS_NATS_TOKEN }
      : env.ATLAS_NATS_USER
        ? { user: env.ATLAS_NATS_USER, pass: env.ATLAS_NATS_PASS ?? '' }
        : {},
  };
}

/** `wsconnect` options shared by replicas and the gateway: reconnect forever, as the Node hosts do. */
export function natsOptions(config: WorkerConfig, name: string): ConnectionOptions {
  return {
    servers: [...config.natsServers],
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    timeout: 5_000,
    ...config.natsAuth,
  };
}

function idList(raw: string, variable: string): string[] {
  const ids = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new WorkerConfigError(`${variable} names no replica`);
  for (const id of ids) assertSubjectSafeName(id, 'replica id');
  return ids;
}

function positiveInt(raw: string | undefined, fallback: number, variable: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new WorkerConfigError(`${variable} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
