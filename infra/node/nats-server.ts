// nats-server as a child process: locate the binary, start one server or a routed cluster on free
// ports, wait until it serves, stop it. Each server gets a private temp dir holding its generated
// config and ports file; the dir is removed when the server exits. Servers still running when this
// Node process exits are killed with it.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { renderNatsConfig } from '../nats/config.ts';
import type { NatsAuthOptions } from '../nats/config.ts';
import { freePorts } from './free-port.ts';

export const NATS_SERVER_BINARY = 'nats-server';
/** Searched after PATH: Debian installs nats-server in /usr/sbin, often missing from users' PATH. */
export const NATS_SERVER_FALLBACK_DIRS: readonly string[] = ['/usr/sbin', '/usr/local/sbin'];
/** Names the nats-server executable to run; when set, nothing else is searched. */
export const NATS_SERVER_ENV = 'ATLAS_NATS_SERVER';
const DEFAULT_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;
const DEFAULT_START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES = 16 * 1024;
const POLL_INTERVAL_MS = 25;

/** nats-server is not installed. The message is one line telling the user what to do. */
export class NatsServerMissingError extends Error {
  override readonly name = 'NatsServerMissingError';
  /** `searched`: the directories looked in, or with `explicitPath` the one executable named. */
  constructor(searched: readonly string[], explicitPath?: string) {
    super(
      (explicitPath !== undefined
        ? `nats-server not found (${NATS_SERVER_ENV}=${explicitPath} is not an executable file): `
        : `nats-server not found (searched ${searched.length > 0 ? searched.join(delimiter) : 'nothing'}): `) +
        'install it with `apt-get install -y nats-server`, or set ATLAS_NATS_URL to an existing server (e.g. nats://127.0.0.1:4222)',
    );
  }
}

/** nats-server did not become ready; `stderr` holds the tail of its log. */
export class NatsServerStartError extends Error {
  override readonly name = 'NatsServerStartError';
  constructor(
    message: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(stderr.trim() === '' ? message : `${message}\n--- nats-server stderr ---\n${stderr.trimEnd()}`, options);
  }
}

export interface FindNatsServerOptions {
  /** PATH to search; defaults to process.env.PATH. */
  readonly pathEnv?: string;
  /** Searched after PATH. */
  readonly fallbackDirs?: readonly string[];
  /** The executable to use instead of searching; defaults to process.env.ATLAS_NATS_SERVER. */
  readonly explicitPath?: string;
}

/**
 * Absolute path of an executable nats-server: the one named by `explicitPath` (ATLAS_NATS_SERVER)
 * when set, else the first found in PATH and then the fallback dirs. Throws NatsServerMissingError
 * when there is none.
 */
export function findNatsServer(options: FindNatsServerOptions = {}): string {
  const explicitPath = options.explicitPath ?? process.env[NATS_SERVER_ENV];
  if (explicitPath !== undefined && explicitPath !== '') {
    const candidate = resolve(explicitPath);
    if (isExecutableFile(candidate)) return candidate;
    throw new NatsServerMissingError([], explicitPath);
  }
  const pathDirs = (options.pathEnv ?? process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  const dirs = [...new Set([...pathDirs, ...(options.fallbackDirs ?? NATS_SERVER_FALLBACK_DIRS)])];
  for (const dir of dirs) {
    const candidate = resolve(dir, NATS_SERVER_BINARY);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new NatsServerMissingError(dirs);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export interface NatsServerOptions {
  /** Client port; OS-chosen when omitted (or -1). */
  readonly port?: number;
  /** Websocket listener port (plain ws, no TLS); OS-chosen when omitted. */
  readonly wsPort?: number;
  /** Monitoring port (/varz, /routez, /healthz); OS-chosen when omitted. */
  readonly monitorPort?: number;
  /** Interface all listeners bind to; default 127.0.0.1. */
  readonly host?: string;
  readonly serverName?: string;
  readonly cluster?: { readonly name: string; readonly port: number; readonly routes: readonly string[] };
  readonly jetstream?: { readonly storeDir: string };
  readonly auth?: NatsAuthOptions;
  /**
   * A config to start from. Only the options given explicitly here override it: ports it sets are
   * kept unless overridden, and listeners it lacks are not added (except monitoring when monitorPort is given).
   */
  readonly configFile?: string;
  /** Default 8 MiB (without configFile). */
  readonly maxPayloadBytes?: number;
  /** Default: findNatsServer(). */
  readonly binary?: string;
  /** Extra environment for the child (configs may reference `$VARIABLES`). */
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export interface NatsServerHandle {
  /** `nats://host:port` for clients. */
  readonly url: string;
  /** `ws://host:port`, or null when the server has no websocket listener. */
  readonly wsUrl: string | null;
  /** `http://host:port`, or null when monitoring is off. */
  readonly monitorUrl: string | null;
  /** `nats-route://host:port`, or null when the server is not clustered. */
  readonly routeUrl: string | null;
  readonly port: number;
  readonly pid: number;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** The tail of the server's log. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and returns at once; await `exited` to wait for the exit. */
  kill(signal?: NodeJS.Signals): void;
  /** Starts a new server with the same options and the same ports (after this one has exited). */
  restart(): Promise<NatsServerHandle>;
}

interface PortsFile {
  readonly nats?: readonly string[];
  readonly monitoring?: readonly string[];
  readonly websocket?: readonly string[];
  readonly cluster?: readonly string[];
}

/** Running servers and their temp dirs, killed and removed if this Node process exits first. */
const liveChildren = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess, dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const [live, liveDir] of liveChildren) {
        live.kill('SIGKILL');
        rmSync(liveDir, { recursive: true, force: true });
      }
    });
  }
  liveChildren.set(child, dir);
  child.once('close', () => liveChildren.delete(child));
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = options.binary ?? findNatsServer();
  const dir = mkdtempSync(join(tmpdir(), 'atlas-nats-'));
  const configPath = join(dir, 'nats-server.conf');
  const host = options.host ?? '127.0.0.1';
  const fromFile = options.configFile !== undefined;
  writeFileSync(
    configPath,
    renderNatsConfig({
      includeFile: fromFile ? relative(dirname(configPath), resolve(options.configFile!)) : undefined,
      serverName: options.serverName,
      host: fromFile ? options.host : host,
      port: options.port ?? (fromFile ? undefined : -1),
      monitorPort: options.monitorPort ?? (fromFile ? undefined : -1),
      wsPort: options.wsPort ?? (fromFile ? undefined : -1),
      maxPayloadBytes: options.maxPayloadBytes ?? (fromFile ? undefined : DEFAULT_MAX_PAYLOAD_BYTES),
      cluster: options.cluster,
      jetstream: options.jetstream,
      auth: options.auth,
    }),
  );

  const child = spawn(binary, ['-c', configPath, '--ports_file_dir', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  trackChild(child, dir);
  let stderrTail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  // Written by child callbacks, read by the polling loops below.
  const observed: { spawnError: Error | null; exitCode: number | null | undefined } = { spawnError: null, exitCode: undefined };
  child.once('error', (error) => {
    observed.spawnError = error;
  });
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolveExit(code);
    });
  });
  void exited.then((code) => {
    observed.exitCode = code;
  });

  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const fail = async (message: string, cause?: unknown): Promise<never> => {
    child.kill('SIGKILL');
    await exited;
    throw new NatsServerStartError(message, stderrTail, { cause });
  };

  let ports: PortsFile | null = null;
  while (ports === null) {
    if (observed.spawnError !== null) return fail(`could not run ${binary}`, observed.spawnError);
    if (observed.exitCode !== undefined) return fail(`nats-server exited with code ${String(observed.exitCode)} during start`);
    if (Date.now() > deadline) return fail(`nats-server did not start within ${timeoutMs} ms`);
    ports = readPortsFile(dir);
    if (ports === null) await sleep(POLL_INTERVAL_MS);
  }

  const clientUrl = ports.nats?.[0];
  if (clientUrl === undefined) return fail('nats-server reported no client listener');
  const connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const port = portOf(clientUrl);
  const monitorPort = ports.monitoring?.[0] === undefined ? null : portOf(ports.monitoring[0]);
  const wsPort = ports.websocket?.[0] === undefined ? null : portOf(ports.websocket[0]);
  const routePort = ports.cluster?.[0] === undefined ? null : portOf(ports.cluster[0]);
  const monitorUrl = monitorPort === null ? null : `http://${connectHost}:${monitorPort}`;

  while (!(await isReady(connectHost, port, monitorUrl))) {
    if (observed.exitCode !== undefined) return fail(`nats-server exited with code ${String(observed.exitCode)} during start`);
    if (Date.now() > deadline) return fail(`nats-server did not become ready within ${timeoutMs} ms`);
    await sleep(POLL_INTERVAL_MS);
  }

  let stopping: Promise<void> | null = null;
  const handle: NatsServerHandle = {
    url: `nats://${connectHost}:${port}`,
    wsUrl: wsPort === null ? null : `ws://${connectHost}:${wsPort}`,
    monitorUrl,
    routeUrl: routePort === null ? null : `nats-route://${connectHost}:${routePort}`,
    port,
    pid: child.pid!,
    exited,
    stderr: () => stderrTail,
    kill: (signal: NodeJS.Signals = 'SIGKILL') => {
      if (observed.exitCode === undefined) child.kill(signal);
    },
    stop: () => {
      stopping ??= (async () => {
        if (observed.exitCode !== undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
    restart: async () => {
      await handle.stop();
      return startNatsServer({
        ...options,
        port,
        ...(wsPort === null ? {} : { wsPort }),
        ...(monitorPort === null ? {} : { monitorPort }),
        ...(options.cluster === undefined || routePort === null ? {} : { cluster: { ...options.cluster, port: routePort } }),
      });
    },
  };
  return handle;
}

export interface NatsClusterHandle {
  readonly servers: readonly NatsServerHandle[];
  /** Client URLs of every server, for a client that may fail over between them. */
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

export interface NatsClusterStartOptions extends Omit<NatsServerOptions, 'port' | 'wsPort' | 'monitorPort' | 'cluster' | 'jetstream' | 'serverName'> {
  /** Cluster name; default `atlas`. */
  readonly name?: string;
  /** JetStream on every server, each in `<storeDir>/<server name>`. */
  readonly jetstream?: { readonly storeDir: string };
}

/**
 * Starts `count` servers whose configs route each one to all the others (full mesh) and waits until
 * every server reports `count - 1` routes. Route ports are picked free beforehand; the start is
 * retried with new ports if another process took one meanwhile.
 */
export async function startNatsCluster(count: number, options: NatsClusterStartOptions = {}): Promise<NatsClusterHandle> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsClusterOnce(count, options);
    } catch (error) {
      const portTaken = error instanceof NatsServerStartError && /address already in use/i.test(error.stderr);
      if (!portTaken || attempt >= attempts) throw error;
    }
  }
}

async function startNatsClusterOnce(count: number, options: NatsClusterStartOptions): Promise<NatsClusterHandle> {
  const clusterName = options.name ?? 'atlas';
  const host = options.host ?? '127.0.0.1';
  const routePorts = await freePorts(count, host);
  const routes = routePorts.map((port) => `nats-route://${host}:${port}`);
  const started = await Promise.allSettled(
    routePorts.map((routePort, i) => {
      const serverName = `${clusterName}-${i + 1}`;
      return startNatsServer({
        ...options,
        serverName,
        cluster: { name: clusterName, port: routePort, routes: routes.filter((_, j) => j !== i) },
        jetstream: options.jetstream === undefined ? undefined : { storeDir: join(options.jetstream.storeDir, serverName) },
      });
    }),
  );
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopAll = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await stopAll();
    throw (failure as PromiseRejectedResult).reason;
  }
  try {
    await waitForRoutes(servers, count - 1, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { servers, urls: servers.map((server) => server.url), stop: stopAll };
}

/** Resolves once every server's /routez reports at least `routes` routes. */
export async function waitForRoutes(servers: readonly NatsServerHandle[], routes: number, timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(servers.map((server) => routeCount(server)));
    if (counts.every((n) => n >= routes)) return;
    if (Date.now() > deadline) {
      throw new NatsServerStartError(`routes not established within ${timeoutMs} ms (route counts: ${counts.join(', ')}; expected ${routes})`, '');
    }
    await sleep(POLL_INTERVAL_MS * 4);
  }
}

/** The number of routes /routez reports; -1 when monitoring is off or does not answer. */
export async function routeCount(server: NatsServerHandle): Promise<number> {
  if (server.monitorUrl === null) return -1;
  try {
    const response = await fetch(`${server.monitorUrl}/routez`);
    if (!response.ok) return -1;
    const body = (await response.json()) as { num_routes?: number };
    return body.num_routes ?? -1;
  } catch {
    return -1;
  }
}

function readPortsFile(dir: string): PortsFile | null {
  const name = readdirSync(dir).find((file) => file.endsWith('.ports'));
  if (name === undefined) return null;
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8')) as PortsFile;
  } catch {
    return null; // caught mid-write; read again
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

async function isReady(host: string, port: number, monitorUrl: string | null): Promise<boolean> {
  if (monitorUrl !== null) {
    try {
      const response = await fetch(`${monitorUrl}/healthz`);
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }
  return new Promise((resolveReady) => {
    const socket = tcpConnect({ host, port }, () => {
      socket.destroy();
      resolveReady(true);
    });
    socket.once('error', () => resolveReady(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
