// `atlas gateway`: the stateless HTTP front door, forwarding to the cluster over NATS.

import { DEFAULT_CLUSTER } from '../../actors/transport/subjects.ts';
import { startGatewayHost } from '../node/gateway-host.ts';
import { natsAuthFromEnv } from '../node/nats-connect.ts';
import { flag, intFlag, type ParsedArgs } from './args.ts';
import { onShutdown } from './shutdown.ts';

export async function runGateway(args: ParsedArgs): Promise<number> {
  const cluster = flag(args, 'cluster', 'ATLAS_CLUSTER', DEFAULT_CLUSTER)!;
  const natsUrl = flag(args, 'nats', 'ATLAS_NATS_URL', 'nats://127.0.0.1:4222')!;
  const httpPort = intFlag(args, 'http', 'ATLAS_HTTP_PORT', 8080)!;
  const token = flag(args, 'token', 'ATLAS_TOKEN');
  const auth = natsAuthFromEnv();
  const gateway = await startGatewayHost({
    cluster,
    natsUrl,
    httpPort,
    ...(auth ? { natsAuth: auth } : {}),
    ...(token ? { token } : {}),
  });
  console.log(`atlas gateway: ${gateway.url} -> cluster ${cluster} over ${natsUrl}`);
  return new Promise<number>((resolve) => onShutdown(async () => {
    await gateway.stop();
    resolve(0);
  }));
}
