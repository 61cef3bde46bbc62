// The ledger's SHA-256 through Node's crypto (OpenSSL, with the CPU's SHA instructions where it has
// them): one call per entry. The digest comes back as a 'binary' (latin1) string (one byte per code unit) and is
// copied into the caller's buffer: about half the cost of asking for a Buffer, whose allocation costs
// more than hashing a ~260-byte message. Undefined on a Node without the one-shot `crypto.hash`
// (before 20.12), where the chain keeps the portable digest; both give the same bytes.

import * as crypto from 'node:crypto';
import type { Sha256Digest } from '../../actors/ledger/chain.ts';

const DIGEST_BYTES = 32;

export const nativeSha256: Sha256Digest | undefined =
  typeof crypto.hash === 'function'
    ? (message, out, offset) => {
        const digest = crypto.hash('sha256', message, 'binary');
        for (let i = 0; i < DIGEST_BYTES; i++) out[offset + i] = digest.charCodeAt(i);
      }
    : undefined;
