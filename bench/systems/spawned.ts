// A server child process of the bench: its output tail is kept for error messages, and it is killed
// if the bench process exits first.

import { spawn, type ChildProcess } from 'node:child_process';

const OUTPUT_TAIL_CHARS = 8_000;
const STOP_GRACE_MS = 5_000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export interface SpawnedProcess {
  readonly label: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  output(): string;
  alive(): boolean;
  /** SIGTERM, SIGKILL after a grace period; resolves once exited. */
  stop(): Promise<void>;
  /** SIGKILL; resolves once exited. */
  kill(): Promise<void>;
}

export function spawnServer(label: string, command: string, args: readonly string[], env?: Record<string, string>, cwd?: string): SpawnedProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, ...(cwd ? { cwd } : {}) });
  live.add(child);
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running = false;
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      append(Buffer.from(`spawn error: ${error.message}\n`));
      running = false;
      live.delete(child);
      resolve();
    });
  });
  return {
    label,
    pid: child.pid ?? -1,
    child,
    exited,
    output: () => tail,
    alive: () => running,
    kill: async () => {
      if (!running) return;
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
