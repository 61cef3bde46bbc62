// Reads a Node request body and headers straight from the IncomingMessage, for the functions'
// `readBodyBytes` and `requestHeader` (functions/parse/body.ts, functions/parse/request-header.ts).
// Skips the web-stream Request and the web Headers the Hono Node adapter would otherwise build for
// every request, which cost more CPU than the rest of a put.

import type { IncomingMessage } from 'node:http';
import type { HostBodyBinding } from '../../functions/parse/body.ts';
import type { HostHeaderBinding } from '../../functions/parse/request-header.ts';

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

/** A header of the IncomingMessage (Node lower-cases names and joins most repeated headers). */
export function incomingHeader(incoming: IncomingMessage, lowerName: string): string | undefined {
  const value = incoming.headers[lowerName];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The Hono `env` for one Node request: the adapter's own bindings plus the fast body and header readers. */
export function nodeHostBindings(env: { incoming: IncomingMessage }): HostBodyBinding & HostHeaderBinding & { incoming: IncomingMessage } {
  const incoming = env.incoming;
  return {
    incoming,
    atlasReadRequestBody: (limitBytes) => readIncomingBody(incoming, limitBytes),
    atlasRequestHeader: (lowerName) => incomingHeader(incoming, lowerName),
  };
}
