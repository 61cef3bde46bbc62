// A real cluster for integration tests: a nats-server process and N `atlas replica` processes with
// real data directories (fsync and all), each serving HTTP on its own free port. Replicas can be
// SIGKILLed, paused, wiped and restarted.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../../infra/node/free-port.ts';
import { startNatsServer, type NatsServerHandle } from '../../infra/node/nats-server.ts';

const MAIN = resolve(import.meta.dirname, '../../infra/cli/main.ts');

export interface ProcessClusterOptions {
  readonly size?: number;
  readonly snapshotEvery?: number;
  readonly tickMs?: number;
  readonly cluster?: string;
  /** Extra environment for every replica process. */
  readonly env?: Record<string, string>;
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
    for (const id of cluster.ids) cluster.spawn(id);
    await cluster.waitForLeader();
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
  async waitForLeader(timeoutMs = 15_000, exclude?: string): Promise<string> {
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
