// The `atlas` command line (CONTRACT §2).

import { NatsServerMissingError } from '../node/nats-server.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import { parseArgs, UsageError } from './args.ts';

const USAGE = `usage: atlas <command> [flags]

  dev      [--replicas 3] [--http 8080] [--data ./.atlas]    local cluster: nats-server, replicas, gateway
  replica  --id r1 --peers r1,r2,r3 [--cluster dev] [--nats URL] [--data DIR] [--http PORT]
  gateway  [--cluster dev] [--nats URL] [--http 8080]
  put KEY VALUE | get KEY | del KEY | ls [PREFIX] | watch [PREFIX]   [--url http://127.0.0.1:8080]
  status   cluster view: members, roles, term, commit/applied index, lag, Lamport clock
  tap      [SUBJECT]  live, decoded view of the cluster's NATS traffic
  verify   [--data DIR | --url URL] [--json]  checks the ledger hash chain and signatures, offline or online
  restore  FILE --peers r1,r2,r3 [--id r1] [--data DIR]   new data directories from a backup (GET /v1/snapshot)
  bench    --url URL[,URL…] --clients N --seconds S --op put|get   load generator (progress bar, percentiles)
  chat     [--user NAME]  interactive chat client (--url)
  chat-bot --bots N [--rounds R] [--messages 10] [--pause-ms 2000]   chat load generator (--url)

Every flag has an environment variable: ATLAS_NATS_URL, ATLAS_CLUSTER, ATLAS_DATA_DIR, ATLAS_HTTP_PORT,
ATLAS_TOKEN, ATLAS_URL, ATLAS_REPLICA_ID, ATLAS_PEERS, ATLAS_NATS_USER/ATLAS_NATS_PASS, ATLAS_NATS_TOKEN.`;

const CLIENT_COMMANDS = new Set(['put', 'get', 'del', 'ls', 'watch', 'status']);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  switch (command) {
    case 'dev':
      return (await import('./dev.ts')).runDev(args);
    case 'replica':
      return (await import('./replica.ts')).runReplica(args);
    case 'gateway':
      return (await import('./gateway.ts')).runGateway(args);
    case 'tap':
      return (await import('./tap.ts')).runTap(args);
    case 'verify':
      return (await import('./verify.ts')).runVerify(args);
    case 'restore':
      return (await import('./restore.ts')).runRestore(args);
    case 'bench':
      return (await import('./bench.ts')).runBench(args);
    case 'chat':
      return (await import('./chat.ts')).runChat(args);
    case 'chat-bot':
      return (await import('./chat-bot.ts')).runChatBot(args);
    case 'workers-dev':
      return (await import('./workers-dev.ts')).runWorkersDev(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      if (CLIENT_COMMANDS.has(command)) {
        const { runClientCommand } = await import('./client-commands.ts');
        const { flag } = await import('./args.ts');
        return runClientCommand([command, ...args.positional], {
          url: flag(args, 'url', 'ATLAS_URL', 'http://127.0.0.1:8080')!,
          token: flag(args, 'token', 'ATLAS_TOKEN'),
          stdout: process.stdout,
          stderr: process.stderr,
        });
      }
      console.error(`atlas: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`atlas: ${error.message}`);
    else if (error instanceof NatsServerMissingError || error instanceof StorageCorruptionError) console.error(`atlas: ${error.message}`);
    else if (isAddressInUse(error)) console.error(`atlas: ${error.address}:${error.port} is already in use: stop what listens there or choose another port with --http`);
    else console.error(`atlas: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);

function isAddressInUse(error: unknown): error is { address: string; port: number } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}
