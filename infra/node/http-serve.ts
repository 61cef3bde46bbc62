// Serves the functions' Hono app over Node HTTP with the host bindings Node adds (the fast body
// reader). Both the replica host and the gateway host serve through here.

import { serve, type Http2Bindings, type HttpBindings, type ServerType } from '@hono/node-server';
import type { IncomingMessage } from 'node:http';
import type { Hono } from 'hono';
import { nodeHostBindings } from './incoming-body.ts';

type AnyHono = Hono<any, any, any>;

/**
 * Listens on host:port and resolves once the server accepts connections; rejects with the listen
 * error (e.g. EADDRINUSE) instead of letting it crash the process.
 */
export function serveApp(app: AnyHono, port: number, hostname: string): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve(
      { fetch: (request: Request, env: HttpBindings | Http2Bindings) => app.fetch(request, nodeHostBindings(env as { incoming: IncomingMessage })), port, hostname },
      () => {
        server.off('error', reject);
        resolve(server);
      },
    );
    server.once('error', reject);
  });
}
