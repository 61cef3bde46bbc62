// `npm run dev` (nats-server + wrangler dev + workerd) as a child process group for tests. Each run
// gets free ports and its own state directory from the caller. `stop()` sends SIGINT to the whole
// group, as Ctrl-C in a terminal does, then SIGKILLs whatever is left; groups still alive when the
// test process exits are SIGKILLed too, so no wrangler, workerd or nats-server outlives a test.

import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
const STOP_GRACE_MS = 15_000;

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/** Whether any process of the group still exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface WorkersDevOptions {
  readonly port: number;
  readonly natsPort: number;
  readonly natsWsPort: number;
  readonly state: string;
  readonly extraArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

export class WorkersDev {
  private outputText = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.outputText = (this.outputText + chunk).slice(-200_000);
      });
    }
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  get pgid(): number {
    return this.child.pid!;
  }

  output(): string {
    return this.outputText;
  }

  /** Starts `npm run dev -- …` and resolves once the Worker answers on its port. */
  static async start(opts: WorkersDevOptions): Promise<WorkersDev> {
    const args = [
      'run', 'dev', '--',
      '--port', String(opts.port),
      '--nats-port', String(opts.natsPort),
      '--nats-ws-port', String(opts.natsWsPort),
      '--state', opts.state,
      '--test-routes',
      ...(opts.extraArgs ?? []),
    ];
    const child = spawn('npm', args, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
      });
    }
    liveGroups.add(child.pid!);
    const dev = new WorkersDev(child, `http://127.0.0.1:${opts.port}`);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm run dev exited with code ${child.exitCode}:\n${dev.output()}`);
      try {
        const res = await fetch(`${dev.url}/__atlas/replicas`, { signal: AbortSignal.timeout(2_000) });
        await res.body?.cancel();
        if (res.status === 200) return dev;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await dev.stop();
        throw new Error(`npm run dev did not serve ${dev.url} in time:\n${dev.output()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Ctrl-C to the whole group, then SIGKILL after a grace period. Resolves once every process is gone. */
  async stop(): Promise<void> {
    const pgid = this.pgid;
    if (!groupAlive(pgid)) {
      liveGroups.delete(pgid);
      return;
    }
    killGroup(pgid, 'SIGINT');
    const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    // The npm process may exit before its grandchildren; wait for the group to empty.
    const deadline = Date.now() + STOP_GRACE_MS;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    killGroup(pgid, 'SIGKILL');
    while (groupAlive(pgid)) await new Promise((r) => setTimeout(r, 50));
    liveGroups.delete(pgid);
  }
}
