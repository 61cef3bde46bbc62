// Reads a Node request body straight from the IncomingMessage, for the functions' `readBodyBytes`
// (see functions/parse/body.ts `HostBodyBinding`). Skips the web-stream Request the Hono Node adapter
// would otherwise build for every request with a body, which costs more CPU than the rest of a put.

import type { IncomingMessage } from 'node:http';
import type { HostBodyBinding } from '../../functions/parse/body.ts';

/**
 * Resolves the whole body, or 'too-large' as soon as more than `limitBytes` arrived (the rest is then
 * left for Node to discard). Rejects when the client goes away before the body ends.
 */
export function readIncomingBody(incoming: IncomingMessage, limitBytes: number): Promise<Uint8Array | 'too-large'> {
  if (incoming.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        cleanup();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('the client closed the connection before the request body ended'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The Hono `env` for one Node request: the adapter's own bindings plus the fast body reader. */
export function nodeHostBindings(env: { incoming: IncomingMessage }): HostBodyBinding & { incoming: IncomingMessage } {
  const incoming = env.incoming;
  return { incoming, atlasReadRequestBody: (limitBytes) => readIncomingBody(incoming, limitBytes) };
}
