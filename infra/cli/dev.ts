// `atlas dev` (what `npm start` runs): one nats-server (unless ATLAS_NATS_URL is set), N replica
// processes and one gateway, data under ./.atlas. Ctrl-C stops everything cleanly; a second signal
// during that stop kills the replicas and nats-server at once.

import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CLUSTER } from '../../actors/transport/subjects.ts';
import { startGatewayHost } from '../node/gateway-host.ts';
import { startNatsServer, type NatsServerHandle } from '../node/nats-server.ts';
import { flag, intFlag, type ParsedArgs } from './args.ts';
import { onShutdown } from './shutdown.ts';

// Two levels below the repository root both as source (infra/cli) and bundled (dist/cli).
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const MAIN = join(ROOT, 'infra/cli/main.ts');
const DEV_CONF = join(ROOT, 'infra/nats/dev.conf');

export async function runDev(args: ParsedArgs): Promise<number> {
  const count = intFlag(args, 'replicas', 'ATLAS_REPLICAS', 3)!;
  const httpPort = intFlag(args, 'http', 'ATLAS_HTTP_PORT', 8080)!;
  const dataRoot = resolve(flag(args, 'data', 'ATLAS_DATA_DIR', './.atlas')!);
  const cluster = flag(args, 'cluster', 'ATLAS_CLUSTER', DEFAULT_CLUSTER)!;
  let nats: NatsServerHandle | null = null;
  let natsUrl = process.env.ATLAS_NATS_URL;
  if (!natsUrl) {
    nats = await startNatsServer({ configFile: DEV_CONF });
    natsUrl = nats.url;
  }
  const ids = Array.from({ length: count }, (_, i) => `r${i + 1}`);
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  for (const [i, id] of ids.entries()) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'replica', '--id', id, '--peers', ids.join(','), '--cluster', cluster, '--nats', natsUrl, '--data', join(dataRoot, id), '--http', String(httpPort + i + 1)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    prefixOutput(child, id);
    child.once('exit', (code, signal) => {
      children.delete(id);
      if (!stopping) console.error(`[${id}] exited (${signal ?? `code ${code}`}); restart it with: npx atlas replica --id ${id} --peers ${ids.join(',')} --data ${join(dataRoot, id)}`);
    });
    children.set(id, child);
  }
  /** Stops the replicas, then nats-server (if this command started it). */
  const stopCluster = async () => {
    stopping = true;
    await Promise.all([...children.values()].map((c) => stopChild(c)));
    await nats?.stop();
  };
  const gateway = await startGatewayHost({ cluster, natsUrl, httpPort }).catch(async (error: unknown) => {
    // E.g. the gateway port is taken: leave nothing running behind the error.
    await stopCluster();
    throw error;
  });
  console.log(
    [
      `Atlas dev cluster "${cluster}" is up`,
      `  gateway   ${gateway.url}   try: curl -X PUT ${gateway.url}/v1/kv/hello -d world && curl ${gateway.url}/v1/kv/hello`,
      ...ids.map((id, i) => `  replica   ${id}  http://127.0.0.1:${httpPort + i + 1}  data ${join(dataRoot, id)}`),
      `  nats      ${natsUrl}${nats?.wsUrl ? `  websocket ${nats.wsUrl}` : ''}${nats?.monitorUrl ? `  monitor ${nats.monitorUrl}` : ''}`,
      `  inspect   npx atlas status   |   npx atlas tap   |   nats sub 'atlas.>' --headers`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  return new Promise<number>((resolveExit) =>
    onShutdown(
      async () => {
        stopping = true;
        console.log('stopping the dev cluster...');
        await gateway.stop();
        await stopCluster();
        resolveExit(0);
      },
      // A second signal (e.g. `pkill -f`, which also reaches tsx, which relays it): no replica or
      // nats-server is left running on the dev ports. A SIGKILLed replica recovers from its log.
      () => {
        for (const child of children.values()) child.kill('SIGKILL');
        nats?.kill('SIGKILL');
      },
    ),
  );
}

function prefixOutput(child: ChildProcess, id: string): void {
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    let buffer = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        out.write(`[${id}] ${buffer.slice(0, nl)}\n`);
        buffer = buffer.slice(nl + 1);
      }
    });
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
