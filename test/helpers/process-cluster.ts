// A real cluster for integration tests: a nats-server process and N `atlas replica` processes with
// real data directories (fsync and all), each serving HTTP on its own free port. Replicas can be
// SIGKILLed, paused, wiped and restarted.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../../infra/node/free-port.ts';
import { startNatsServer, type NatsServerHandle } from '../../infra/node/nats-server.ts';
import type { StatusReply } from '../../actors/api/ops.ts';

const MAIN = resolve(import.meta.dirname, '../../infra/cli/main.ts');

export interface ProcessClusterOptions {
  readonly size?: number;
  readonly snapshotEvery?: number;
  readonly tickMs?: number;
  readonly cluster?: string;
  /** Extra environment for every replica process. */
  readonly env?: Record<string, string>;
  /** Prepares each replica's (empty) data directory before its first start, e.g. `atlas restore`. */
  readonly seed?: (dataDir: string, id: string) => Promise<void>;
}

interface ReplicaProcess {
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  child: ChildProcess | null;
  output: string;
}

export class ProcessCluster {
  readonly ids: string[];
  readonly replicas = new Map<string, ReplicaProcess>();
  readonly root: string;
  nats!: NatsServerHandle;

  private constructor(private readonly opts: ProcessClusterOptions) {
    this.ids = Array.from({ length: opts.size ?? 3 }, (_, i) => `r${i + 1}`);
    this.root = mkdtempSync(join(tmpdir(), 'atlas-cluster-'));
  }

  static async start(opts: ProcessClusterOptions = {}): Promise<ProcessCluster> {
    const cluster = new ProcessCluster(opts);
    cluster.nats = await startNatsServer({});
    const ports = await freePorts(cluster.ids.length);
    cluster.ids.forEach((id, i) => {
      cluster.replicas.set(id, { id, port: ports[i]!, dataDir: join(cluster.root, id), child: null, output: '' });
    });
    for (const id of cluster.ids) await opts.seed?.(cluster.replicas.get(id)!.dataDir, id);
    for (const id of cluster.ids) cluster.spawn(id);
    try {
      await cluster.waitForLeader();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get clusterName(): string {
    return this.opts.cluster ?? 'itest';
  }

  url(id: string): string {
    return `http://127.0.0.1:${this.replicas.get(id)!.port}`;
  }

  output(id: string): string {
    return this.replicas.get(id)!.output;
  }

  spawn(id: string, peers: readonly string[] = this.ids): void {
    const r = this.replicas.get(id)!;
    const args = [
      '--import', 'tsx', MAIN, 'replica',
      '--id', id,
      '--peers', peers.join(','),
      '--cluster', this.clusterName,
      '--nats', this.nats.url,
      '--data', r.dataDir,
      '--http', String(r.port),
    ];
    if (this.opts.snapshotEvery !== undefined) args.push('--snapshot-every', String(this.opts.snapshotEvery));
    if (this.opts.tickMs !== undefined) args.push('--tick-ms', String(this.opts.tickMs));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.opts.env } });
    r.child = child;
    const append = (chunk: Buffer) => {
      r.output = (r.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('exit', () => {
      if (r.child === child) r.child = null;
    });
  }

  /** Sends `signal`; for SIGKILL/SIGTERM waits until the process is gone. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.replicas.get(id)!.child;
    if (!child) return;
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      child.kill(signal);
      return;
    }
    await new Promise<void>((resolveExit) => {
      child.once('exit', () => resolveExit());
      child.kill(signal);
    });
  }

  /** Whether `id`'s process is running (a paused process counts as running). */
  isRunning(id: string): boolean {
    return this.replicas.get(id)!.child !== null;
  }

  /** The process id of `id`, or null when it is not running. */
  pid(id: string): number | null {
    return this.replicas.get(id)!.child?.pid ?? null;
  }

  /** HTTP URLs of the running replicas. */
  liveUrls(): string[] {
    return this.ids.filter((id) => this.isRunning(id)).map((id) => this.url(id));
  }

  /**
   * GET /v1/status on `id`. A follower that knows a leader answers with the leader's view; a replica's
   * own role and term are in `localView`.
   */
  async status(id: string, timeoutMs = 2_000): Promise<StatusReply> {
    const res = await fetch(`${this.url(id)}/v1/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${id} /v1/status: ${res.status} ${await res.text()}`);
    return (await res.json()) as StatusReply;
  }

  /** GET /metrics on `id`, as metric name (labels dropped) -> value; histogram series are skipped. */
  async metrics(id: string, timeoutMs = 2_000): Promise<Map<string, number>> {
    const res = await fetch(`${this.url(id)}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${id} /metrics: ${res.status} ${await res.text()}`);
    return parsePrometheus(await res.text());
  }

  /** What `id` itself believes, from /metrics and /v1/leader (never forwarded to the leader). */
  async localView(id: string, timeoutMs = 2_000): Promise<LocalView> {
    const metrics = await this.metrics(id, timeoutMs);
    const res = await fetch(`${this.url(id)}/v1/leader`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${id} /v1/leader: ${res.status} ${await res.text()}`);
    const { leader } = (await res.json()) as { leader: string | null };
    return {
      isLeader: metrics.get('atlas_is_leader') === 1,
      term: metrics.get('atlas_term') ?? -1,
      leader,
      commitIndex: metrics.get('atlas_commit_index') ?? -1,
      appliedIndex: metrics.get('atlas_applied_index') ?? -1,
      snapshotIndex: metrics.get('atlas_snapshot_index') ?? -1,
      leaderChanges: metrics.get('atlas_leader_changes_total') ?? -1,
    };
  }

  /** Stops nats-server, keeps it down for `downMs`, then starts it again on the same ports. */
  async restartNats(downMs: number): Promise<void> {
    await this.nats.stop();
    await new Promise((r) => setTimeout(r, downMs));
    this.nats = await this.nats.restart();
  }

  wipe(id: string): void {
    rmSync(this.replicas.get(id)!.dataDir, { recursive: true, force: true });
  }

  async restart(id: string): Promise<void> {
    await this.kill(id);
    this.spawn(id);
  }

  async leader(timeoutMs = 10_000): Promise<string> {
    return this.waitForLeader(timeoutMs);
  }

  /** Waits until some live replica reports itself leader, and returns its id. */
  async waitForLeader(timeoutMs = 30_000, exclude?: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const id of this.ids) {
        if (id === exclude || !this.replicas.get(id)!.child) continue;
        try {
          const res = await fetch(`${this.url(id)}/v1/status`, { signal: AbortSignal.timeout(500) });
          if (!res.ok) continue;
          const status = (await res.json()) as { role: string; id: string };
          if (status.role === 'leader' && status.id === id) return id;
        } catch {
          // not up yet
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no leader within ${timeoutMs} ms\n${this.ids.map((id) => `--- ${id}\n${this.output(id).slice(-2000)}`).join('\n')}`);
  }

  /** Waits until `id` answers HTTP and knows a leader. */
  async waitReady(id: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.url(id)}/v1/leader`, { signal: AbortSignal.timeout(500) });
        if (res.ok && ((await res.json()) as { leader: string | null }).leader) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${id} not ready within ${timeoutMs} ms\n${this.output(id).slice(-2000)}`);
  }

  async stop(): Promise<void> {
    for (const id of this.ids) {
      const child = this.replicas.get(id)!.child;
      if (child) {
        child.kill('SIGCONT');
        await this.kill(id, 'SIGKILL');
      }
    }
    await this.nats?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface LocalView {
  readonly isLeader: boolean;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly snapshotIndex: number;
  readonly leaderChanges: number;
}

/** Prometheus text to name -> value, for unlabelled-by-test metrics (one series per name). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[2]?.includes('le=')) continue;
    out.set(match[1]!, Number(match[3]));
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `probe` every `stepMs` until it returns a value other than null/false (errors count as not
 * yet), and returns that value; throws naming `what` after `timeoutMs`.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | null | false> | T | null | false, timeoutMs: number, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== false) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(stepMs);
  }
}
