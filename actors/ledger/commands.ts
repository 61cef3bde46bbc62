// Commands of the built-in `ledger` machine, proposed only by replicas themselves (the client API
// refuses them), and the exact bytes each signature covers.
//
//   genesis  { voters, learners }                the membership the cluster was bootstrapped with
//            (it is in no log entry otherwise); recorded once, by the first leader.
//   register { replica, publicKey, proof }       binds an Ed25519 public key to a replica id; `proof`
//            is the key's own signature over registerMessage(replica, publicKey).
//   seal     { signer, from, upTo, hash, tags, signature }
//            the leader `signer` vouches for the chain up to entry `upTo`: `hash` = hash(upTo), and
//            `tags` holds the first TAG_BYTES of hash(j) for every j in (from, upTo], in order, so a
//            verifier can name the first entry that differs. `signature` covers sealMessage(...).

import { encodeCanonical, isNonNegativeSafeInteger, isPlainObject } from '../machines/codec.ts';
import { badRequest } from '../machines/errors.ts';
import { HASH_BYTES } from './chain.ts';

export const LEDGER_MACHINE = 'ledger';
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Bytes of each entry's hash a seal carries. */
export const TAG_BYTES = 4;
/** Most entries one seal covers; a leader further behind seals in several steps. */
export const MAX_SEAL_ENTRIES = 4096;
const MAX_ID_LENGTH = 256;
const MAX_MEMBERS = 1024;

export interface GenesisCommand {
  readonly type: 'genesis';
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

export interface RegisterCommand {
  readonly type: 'register';
  readonly replica: string;
  readonly publicKey: Uint8Array;
  readonly proof: Uint8Array;
}

export interface SealBody {
  readonly signer: string;
  readonly from: number;
  readonly upTo: number;
  readonly hash: Uint8Array;
  readonly tags: Uint8Array;
}

export interface SealCommand extends SealBody {
  readonly type: 'seal';
  readonly signature: Uint8Array;
}

export type LedgerCommand = GenesisCommand | RegisterCommand | SealCommand;

const encoder = new TextEncoder();
const SEAL_DOMAIN = encoder.encode('atlas ledger seal v1\n');
const REGISTER_DOMAIN = encoder.encode('atlas ledger register v1\n');

/** The bytes a seal's signature covers. */
export function sealMessage(body: SealBody): Uint8Array {
  const { signer, from, upTo, hash, tags } = body;
  return concat(SEAL_DOMAIN, encodeCanonical({ signer, from, upTo, hash, tags }));
}

/** The bytes a registration's proof covers. */
export function registerMessage(replica: string, publicKey: Uint8Array): Uint8Array {
  return concat(REGISTER_DOMAIN, encodeCanonical({ replica, publicKey }));
}

/** Normalises a ledger command. Throws CommandRejectedError (bad_request) for anything malformed. */
export function validateLedgerCommand(input: unknown): LedgerCommand {
  if (!isPlainObject(input)) throw badRequest('ledger command must be an object');
  switch (input.type) {
    case 'genesis':
      exactFields(input, ['type', 'voters', 'learners']);
      return { type: 'genesis', voters: idList(input.voters, 'voters'), learners: idList(input.learners, 'learners') };
    case 'register':
      exactFields(input, ['type', 'replica', 'publicKey', 'proof']);
      return {
        type: 'register',
        replica: id(input.replica, 'replica'),
        publicKey: bytes(input.publicKey, 'publicKey', PUBLIC_KEY_BYTES),
        proof: bytes(input.proof, 'proof', SIGNATURE_BYTES),
      };
    case 'seal': {
      exactFields(input, ['type', 'signer', 'from', 'upTo', 'hash', 'tags', 'signature']);
      const { from, upTo } = input;
      if (!isNonNegativeSafeInteger(from) || !isNonNegativeSafeInteger(upTo) || upTo <= from) {
        throw badRequest('seal needs integers 0 <= from < upTo');
      }
      if (upTo - from > MAX_SEAL_ENTRIES) throw badRequest(`a seal covers at most ${MAX_SEAL_ENTRIES} entries`);
      return {
        type: 'seal',
        signer: id(input.signer, 'signer'),
        from,
        upTo,
        hash: bytes(input.hash, 'hash', HASH_BYTES),
        tags: bytes(input.tags, 'tags', (upTo - from) * TAG_BYTES),
        signature: bytes(input.signature, 'signature', SIGNATURE_BYTES),
      };
    }
    default:
      throw badRequest('ledger command type must be genesis, register or seal');
  }
}

function exactFields(input: Record<string, unknown>, allowed: readonly string[]): void {
  for (const field of Object.keys(input)) {
    if (!allowed.includes(field)) throw badRequest(`unknown field ${JSON.stringify(field)} in a ledger ${String(input.type)} command`);
  }
}

function id(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw badRequest(`${field} must be a replica id (1-${MAX_ID_LENGTH} characters)`);
  }
  return value;
}

function idList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_MEMBERS) throw badRequest(`${field} must be a list of replica ids`);
  return value.map((item) => id(item, field));
}

function bytes(value: unknown, field: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength !== length) throw badRequest(`${field} must be ${length} bytes`);
  return value;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
