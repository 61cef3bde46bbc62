// The system under test for the fault runs: 3 `atlas replica` processes, each connected to ITS OWN
// nats-server, plus one `atlas gateway` process on a fourth server. The four servers form a NATS
// mesh whose routes run through cuttable relays (nats-mesh.ts), so the network between replicas can
// be partitioned while each replica stays connected to its server and keeps serving HTTP.
//
//   r1 ── n1 ──┐        replica ri talks only to server ni; ng (the gateway's server) is routed to
//   r2 ── n2 ──┼── ng   n1..n3 and the nemesis never cuts those links: the gateway is a client that
//   r3 ── n3 ──┘        reaches every side of a partition, as a load balancer would.
//
// Replicas can be SIGKILLed, paused (SIGSTOP), wiped and restarted, and re-added as learners.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../../infra/node/free-port.ts';
import { parsePrometheus, sleep } from '../helpers/process-cluster.ts';
import { NatsMesh } from './nats-mesh.ts';

const MAIN = resolve(import.meta.dirname, '../../infra/cli/main.ts');
const OUTPUT_TAIL_CHARS = 30_000;
export const GATEWAY_SERVER = 'ng';

export interface FaultClusterOptions {
  /** Replicas; default 3. */
  readonly size?: number;
  /** Snapshot every N entries (a wiped replica is then caught up by snapshot); default 200. */
  readonly snapshotEvery?: number;
  readonly tickMs?: number;
  /** Raft cluster name; default `faults`. */
  readonly cluster?: string;
  /** Extra environment for every replica process (e.g. the unsafe test mode). */
  readonly replicaEnv?: Readonly<Record<string, string>>;
  /** Receives one line per lifecycle event (spawn, exit). */
  readonly log?: (line: string) => void;
}

export interface LocalView {
  readonly isLeader: boolean;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly snapshotIndex: number;
}

export interface MemberView {
  readonly id: string;
  readonly role: 'leader' | 'follower' | 'learner';
}

interface ReplicaProcess {
  readonly id: string;
  readonly server: string;
  readonly port: number;
  readonly dataDir: string;
  child: ChildProcess | null;
  paused: boolean;
  /** Peers given at the next spawn: all ids, or the others while the replica joins as a learner. */
  peers: readonly string[];
  output: string;
}

export class FaultCluster {
  readonly ids: readonly string[];
  readonly root: string;
  readonly #replicas = new Map<string, ReplicaProcess>();
  #gateway: { child: ChildProcess | null; port: number; output: string } | null = null;
  #removeExitHook: () => void = () => undefined;
  mesh!: NatsMesh;

  private constructor(private readonly opts: FaultClusterOptions) {
    this.ids = Array.from({ length: opts.size ?? 3 }, (_, i) => `r${i + 1}`);
    this.root = mkdtempSync(join(tmpdir(), 'atlas-faults-'));
  }

  static async start(opts: FaultClusterOptions = {}): Promise<FaultCluster> {
    const cluster = new FaultCluster(opts);
    // Child processes must not outlive a runner that dies without calling stop().
    const killChildren = () => {
      for (const r of cluster.#replicas.values()) r.child?.kill('SIGKILL');
      cluster.#gateway?.child?.kill('SIGKILL');
    };
    process.once('exit', killChildren);
    cluster.#removeExitHook = () => process.off('exit', killChildren);
    try {
      cluster.mesh = await NatsMesh.start([...cluster.ids.map(serverOf), GATEWAY_SERVER]);
      const ports = await freePorts(cluster.ids.length + 1);
      cluster.ids.forEach((id, i) => {
        cluster.#replicas.set(id, {
          id,
          server: serverOf(id),
          port: ports[i]!,
          dataDir: join(cluster.root, id),
          child: null,
          paused: false,
          peers: cluster.ids,
          output: '',
        });
      });
      for (const id of cluster.ids) cluster.spawn(id);
      cluster.#gateway = { child: null, port: ports.at(-1)!, output: '' };
      cluster.spawnGateway();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get clusterName(): string {
    return this.opts.cluster ?? 'faults';
  }

  url(id: string): string {
    return `http://127.0.0.1:${this.#replica(id).port}`;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.#gateway!.port}`;
  }

  /** NATS server name of a replica (`r2` -> `n2`). */
  serverOf(id: string): string {
    return this.#replica(id).server;
  }

  output(id: string): string {
    return this.#replica(id).output;
  }

  /** Output of the replica's current (or last) process only. */
  outputSinceStart(id: string): string {
    const output = this.output(id);
    return output.slice(Math.max(0, output.lastIndexOf(`atlas replica ${id}:`)));
  }

  gatewayOutput(): string {
    return this.#gateway?.output ?? '';
  }

  isRunning(id: string): boolean {
    return this.#replica(id).child !== null;
  }

  isPaused(id: string): boolean {
    return this.#replica(id).paused;
  }

  /** Running and not paused. */
  isServing(id: string): boolean {
    return this.isRunning(id) && !this.isPaused(id);
  }

  setPeers(id: string, peers: readonly string[]): void {
    this.#replica(id).peers = [...peers];
  }

  spawn(id: string): void {
    const r = this.#replica(id);
    if (r.child) throw new Error(`${id} is already running`);
    const args = [
      '--import', 'tsx', MAIN, 'replica',
      '--id', id,
      '--peers', r.peers.join(','),
      '--cluster', this.clusterName,
      '--nats', this.mesh.url(r.server),
      '--data', r.dataDir,
      '--http', String(r.port),
      '--snapshot-every', String(this.opts.snapshotEvery ?? 200),
    ];
    if (this.opts.tickMs !== undefined) args.push('--tick-ms', String(this.opts.tickMs));
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.opts.replicaEnv },
    });
    r.child = child;
    r.paused = false;
    this.#capture(child, (text) => {
      r.output = (r.output + text).slice(-OUTPUT_TAIL_CHARS);
    });
    child.once('exit', (code, signal) => {
      if (r.child === child) {
        r.child = null;
        r.paused = false;
      }
      r.output = (r.output + `\n[exit ${code ?? signal}]\n`).slice(-OUTPUT_TAIL_CHARS);
      this.opts.log?.(`${id} exited (${code ?? signal})`);
    });
    this.opts.log?.(`${id} spawned (pid ${child.pid}, peers ${r.peers.join(',')})`);
  }

  /** SIGKILL (a paused process dies too); resolves once it is gone. */
  async kill(id: string): Promise<void> {
    const child = this.#replica(id).child;
    if (!child) return;
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill('SIGKILL');
    await exited;
  }

  pause(id: string): void {
    const r = this.#replica(id);
    if (!r.child || r.paused) return;
    r.child.kill('SIGSTOP');
    r.paused = true;
  }

  resume(id: string): void {
    const r = this.#replica(id);
    if (!r.child || !r.paused) return;
    r.child.kill('SIGCONT');
    r.paused = false;
  }

  /** Deletes the data directory (the replica must not be running). */
  wipe(id: string): void {
    if (this.isRunning(id)) throw new Error(`wipe ${id}: still running`);
    rmSync(this.#replica(id).dataDir, { recursive: true, force: true });
  }

  spawnGateway(): void {
    const gateway = this.#gateway!;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'gateway', '--cluster', this.clusterName, '--nats', this.mesh.url(GATEWAY_SERVER), '--http', String(gateway.port)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    gateway.child = child;
    this.#capture(child, (text) => {
      gateway.output = (gateway.output + text).slice(-OUTPUT_TAIL_CHARS);
    });
    child.once('exit', () => {
      if (gateway.child === child) gateway.child = null;
    });
  }

  /** What `id` itself believes (from /metrics and /v1/leader; never forwarded). */
  async localView(id: string, timeoutMs = 1_500): Promise<LocalView> {
    const signal = AbortSignal.timeout(timeoutMs);
    const [metricsText, leaderBody] = await Promise.all([
      fetch(`${this.url(id)}/metrics`, { signal }).then((res) => res.text()),
      fetch(`${this.url(id)}/v1/leader`, { signal }).then((res) => res.json() as Promise<{ leader: string | null }>),
    ]);
    const metrics = parsePrometheus(metricsText);
    return {
      isLeader: metrics.get('atlas_is_leader') === 1,
      term: metrics.get('atlas_term') ?? -1,
      leader: leaderBody.leader,
      commitIndex: metrics.get('atlas_commit_index') ?? -1,
      appliedIndex: metrics.get('atlas_applied_index') ?? -1,
      snapshotIndex: metrics.get('atlas_snapshot_index') ?? -1,
    };
  }

  /** Local views of every serving replica that answers in time. */
  async views(timeoutMs = 1_500): Promise<Map<string, LocalView>> {
    const entries = await Promise.all(
      this.ids.filter((id) => this.isServing(id)).map(async (id) => {
        try {
          return [[id, await this.localView(id, timeoutMs)] as const];
        } catch {
          return [];
        }
      }),
    );
    return new Map(entries.flat());
  }

  /** The replica that believes it leads in the highest term, or null when none does. */
  async currentLeader(timeoutMs = 1_500): Promise<string | null> {
    let best: { id: string; term: number } | null = null;
    for (const [id, view] of await this.views(timeoutMs)) {
      if (view.isLeader && (best === null || view.term > best.term)) best = { id, term: view.term };
    }
    return best?.id ?? null;
  }

  async waitForLeader(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = await this.currentLeader();
      if (leader !== null) return leader;
      if (Date.now() > deadline) throw new Error(`no leader within ${timeoutMs} ms\n${this.describeTails(1_500)}`);
      await sleep(200);
    }
  }

  /**
   * Sends an admin request to the first serving replica (leader first) that answers 2xx; returns
   * the status and body of the last answer when none did.
   */
  async admin(method: string, path: string, body?: unknown, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
    const leader = await this.currentLeader().catch(() => null);
    const order = [...(leader ? [leader] : []), ...this.ids.filter((id) => id !== leader && this.isServing(id))];
    let last = { status: 0, body: 'no serving replica' };
    for (const id of order) {
      try {
        const res = await fetch(`${this.url(id)}${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        last = { status: res.status, body: await res.text() };
        if (res.ok) return last;
      } catch (error) {
        last = { status: 0, body: `${id}: ${String(error)}` };
      }
    }
    return last;
  }

  /** The configuration as the leader reports it, or null when no replica answers. */
  async members(): Promise<MemberView[] | null> {
    const reply = await this.admin('GET', '/v1/members', undefined, 2_000);
    if (reply.status !== 200) return null;
    return (JSON.parse(reply.body) as { members: MemberView[] }).members;
  }

  /**
   * Healthy: every replica serves, all agree on one leader and term, the leader's configuration has
   * every replica as a voter, and a write through the gateway succeeds. Throws after `timeoutMs`,
   * naming what was still wrong.
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let problem = 'not checked yet';
    for (let attempt = 0; ; attempt++) {
      problem = await this.healthProblem(attempt);
      if (problem === '') return;
      if (Date.now() > deadline) {
        throw new Error(`cluster not healthy within ${timeoutMs} ms: ${problem}\n${this.describeTails(2_000)}`);
      }
      await sleep(250);
    }
  }

  /** '' when healthy, else what is wrong. */
  async healthProblem(attempt = 0): Promise<string> {
    const notServing = this.ids.filter((id) => !this.isServing(id));
    if (notServing.length > 0) return `not serving: ${notServing.join(',')}`;
    const views = await this.views();
    const silent = this.ids.filter((id) => !views.has(id));
    if (silent.length > 0) return `no answer from ${silent.join(',')}`;
    const leaders = new Set([...views.values()].map((view) => view.leader));
    const terms = new Set([...views.values()].map((view) => view.term));
    if (leaders.size !== 1 || terms.size !== 1 || [...leaders][0] === null) {
      return `no agreement: ${[...views].map(([id, v]) => `${id} term ${v.term} leader ${v.leader}`).join('; ')}`;
    }
    const members = await this.members();
    const voters = members?.filter((m) => m.role !== 'learner').map((m) => m.id).sort() ?? [];
    if (voters.join(',') !== [...this.ids].sort().join(',')) {
      return `configuration ${members?.map((m) => `${m.id}:${m.role}`).join(',') ?? 'unknown'}`;
    }
    try {
      const res = await fetch(`${this.gatewayUrl}/v1/kv/_health`, { method: 'PUT', body: String(attempt), signal: AbortSignal.timeout(3_000) });
      if (!res.ok) return `probe write through the gateway: ${res.status} ${await res.text()}`;
    } catch (error) {
      return `probe write through the gateway: ${String(error)}`;
    }
    return '';
  }

  /** The last `chars` of every replica's output, for failure reports. */
  describeTails(chars: number): string {
    return this.ids.map((id) => `--- ${id} output (tail)\n${this.output(id).slice(-chars)}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const r of this.#replicas.values()) {
      if (r.child) {
        r.child.kill('SIGCONT');
        await this.kill(r.id);
      }
    }
    const gateway = this.#gateway?.child;
    if (gateway) {
      const exited = new Promise<void>((resolveExit) => gateway.once('exit', () => resolveExit()));
      gateway.kill('SIGKILL');
      await exited;
    }
    await this.mesh?.stop();
    this.#removeExitHook();
    rmSync(this.root, { recursive: true, force: true });
  }

  #replica(id: string): ReplicaProcess {
    const r = this.#replicas.get(id);
    if (!r) throw new Error(`no replica ${id}`);
    return r;
  }

  #capture(child: ChildProcess, append: (text: string) => void): void {
    child.stdout?.on('data', (chunk: Buffer) => append(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => append(chunk.toString()));
  }
}

function serverOf(id: string): string {
  return `n${id.slice(1)}`;
}
