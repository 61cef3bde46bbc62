// The ledger's SHA-256 through Node's crypto (OpenSSL, with the CPU's SHA instructions where it has
// them): one call per entry, about half the time of the portable digest in sha256.ts for a ~200-byte
// message. Undefined on a Node without the one-shot `crypto.hash` (before 20.12), where the chain
// keeps the portable digest; both give the same bytes.

import * as crypto from 'node:crypto';
import type { Sha256Digest } from '../../actors/ledger/chain.ts';

export const nativeSha256: Sha256Digest | undefined =
  typeof crypto.hash === 'function' ? (message) => crypto.hash('sha256', message, 'buffer') : undefined;
