// `atlas workers-dev` (what `npm run dev` runs): the /v1 API served by the Worker under `wrangler dev`
// on 127.0.0.1:8787, replicas as Durable Objects (docs/workers.md).
//
//   1. NATS: --nats-ws-url / ATLAS_NATS_WS_URL names a running server's websocket listener; otherwise
//      a nats-server already listening on 127.0.0.1:4223 (infra/nats/dev.conf) is used; otherwise one
//      is started here, with dev.conf, or with a generated config when --nats-port/--nats-ws-port
//      ask for other ports (0 lets the OS choose). A server started here stops with this command.
//   2. wrangler dev, with the websocket URL, cluster and peers passed as --var; Durable Object state
//      persists in --state (default .wrangler/state); --reset deletes it first.
// Ctrl-C (SIGINT/SIGTERM) stops wrangler (which stops workerd), then nats-server.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNatsServer, type NatsServerHandle } from '../node/nats-server.ts';
import { flag, intFlag, UsageError, type ParsedArgs } from './args.ts';
import { onShutdown } from './shutdown.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const DEV_CONF = join(ROOT, 'infra/nats/dev.conf');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const DEV_CONF_WS = { host: '127.0.0.1', port: 4223 };
const STOP_GRACE_MS = 10_000;

export async function runWorkersDev(args: ParsedArgs): Promise<number> {
  const port = intFlag(args, 'port', 'ATLAS_WORKERS_PORT', 8787)!;
  const ip = flag(args, 'ip', 'ATLAS_WORKERS_IP', '127.0.0.1')!;
  const state = resolve(flag(args, 'state', 'ATLAS_WORKERS_STATE', join(ROOT, '.wrangler/state'))!);
  const cluster = flag(args, 'cluster', 'ATLAS_CLUSTER');
  const peers = flag(args, 'peers', 'ATLAS_PEERS');
  const objectReplicas = flag(args, 'do-replicas', 'ATLAS_DO_REPLICAS');
  const testRoutes = args.flags.get('test-routes') === true || process.env.ATLAS_TEST_ROUTES === 'true';
  if (!existsSync(WRANGLER)) throw new UsageError(`wrangler is not installed (${WRANGLER} is missing): run npm ci`);

  if (args.flags.get('reset') === true) {
    rmSync(state, { recursive: true, force: true });
    console.log(`removed the local Durable Object state in ${displayPath(state)}`);
  }

  const nats = await ensureNats(args);
  const vars: Record<string, string> = { ATLAS_NATS_WS_URL: nats.wsUrl };
  if (cluster) vars.ATLAS_CLUSTER = cluster;
  if (peers) vars.ATLAS_PEERS = peers;
  if (objectReplicas) vars.ATLAS_DO_REPLICAS = objectReplicas;
  if (testRoutes) vars.ATLAS_TEST_ROUTES = 'true';

  const wranglerArgs = [
    WRANGLER, 'dev',
    '--config', join(ROOT, 'wrangler.toml'),
    '--ip', ip,
    '--port', String(port),
    '--persist-to', state,
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
  const wrangler = spawn(process.execPath, wranglerArgs, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  const url = `http://${ip}:${port}`;
  forwardOutput(wrangler, () =>
    console.log(
      [
        `Atlas on wrangler dev: cluster "${cluster ?? 'dev'}" is up`,
        `  worker    ${url}   try: curl -X PUT ${url}/v1/kv/hello -d world && curl ${url}/v1/kv/hello`,
        `  replicas  ${objectReplicas ?? peers ?? 'r1,r2,r3'} as Durable Objects; state in ${displayPath(state)} (reset: npm run dev -- --reset)`,
        `  nats      ${nats.url ?? '(client URL unknown)'}  websocket ${nats.wsUrl}  (${nats.handle ? 'started here' : 'already running'})`,
        ...(testRoutes ? [`  test      ${url}/__atlas/replicas  (test routes are on)`] : []),
        'Ctrl-C stops everything.',
      ].join('\n'),
    ),
  );
  const exited = new Promise<number>((resolveExit) => {
    wrangler.once('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });

  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    await stopChild(wrangler, exited);
    await nats.handle?.stop();
  };
  onShutdown(stopAll);
  const code = await exited;
  if (!stopping) {
    console.error(`atlas: wrangler dev exited with code ${code}`);
    await nats.handle?.stop();
  }
  return code;
}

interface NatsEndpoint {
  readonly wsUrl: string;
  readonly url: string | null;
  /** Set when this command started the server (and so stops it). */
  readonly handle: NatsServerHandle | null;
}

async function ensureNats(args: ParsedArgs): Promise<NatsEndpoint> {
  const given = flag(args, 'nats-ws-url', 'ATLAS_NATS_WS_URL');
  if (given) return { wsUrl: given, url: process.env.ATLAS_NATS_URL ?? null, handle: null };
  const natsPort = intFlag(args, 'nats-port', 'ATLAS_NATS_PORT');
  const wsPort = intFlag(args, 'nats-ws-port', 'ATLAS_NATS_WS_PORT');
  if (natsPort === undefined && wsPort === undefined) {
    if (await listening(DEV_CONF_WS.host, DEV_CONF_WS.port)) {
      return { wsUrl: `ws://${DEV_CONF_WS.host}:${DEV_CONF_WS.port}`, url: 'nats://127.0.0.1:4222', handle: null };
    }
    const handle = await startNatsServer({ configFile: DEV_CONF });
    return { wsUrl: handle.wsUrl!, url: handle.url, handle };
  }
  const handle = await startNatsServer({ port: natsPort || -1, wsPort: wsPort || -1, monitorPort: -1 });
  return { wsUrl: handle.wsUrl!, url: handle.url, handle };
}

/** `path` relative to the working directory when it lies inside it, else absolute. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = tcpConnect({ host, port }, () => {
      socket.destroy();
      resolveProbe(true);
    });
    socket.once('error', () => resolveProbe(false));
  });
}

/** Copies the child's output through; calls `onReady` once wrangler reports it serves. */
function forwardOutput(child: ChildProcess, onReady: () => void): void {
  let ready = false;
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      out.write(chunk);
      if (!ready && /Ready on http/.test(chunk)) {
        ready = true;
        onReady();
      }
    });
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  child.kill('SIGTERM');
  await exited;
  clearTimeout(timer);
}
