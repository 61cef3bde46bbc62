// A replica's Ed25519 identity, through WebCrypto. The key pair is generated on first start and kept
// in the replica's ActorStorage (its data directory on Node, Durable Object storage in workerd); the
// private key never leaves that storage and this process.

import type { ActorStorage } from '../storage/types.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './commands.ts';

const ALGORITHM = { name: 'Ed25519' } as const;
export const IDENTITY_STORAGE_KEY = 'ledger/identity';

export interface LedgerIdentity {
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Non-extractable signing key. */
  readonly privateKey: CryptoKey;
}

/** What ActorStorage holds under IDENTITY_STORAGE_KEY. */
export interface StoredIdentity {
  readonly publicKey: Uint8Array;
  readonly privateKeyPkcs8: Uint8Array;
}

/** A fresh key pair and the form it is stored in. */
export async function generateIdentity(): Promise<{ identity: LedgerIdentity; stored: StoredIdentity }> {
  const pair = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const stored: StoredIdentity = {
    publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
    privateKeyPkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey)),
  };
  return { identity: await importIdentity(stored), stored };
}

export async function importIdentity(stored: StoredIdentity): Promise<LedgerIdentity> {
  const privateKey = await crypto.subtle.importKey('pkcs8', buffer(stored.privateKeyPkcs8), ALGORITHM, false, ['sign']);
  return { publicKey: stored.publicKey.slice(), privateKey };
}

/**
 * The identity kept in `storage`, created (and synced) on first use. Without storage the identity
 * lives only as long as this process: a restarted replica registers a new key.
 */
export async function loadOrCreateIdentity(storage: ActorStorage | null): Promise<LedgerIdentity> {
  const existing = storage ? await storage.get<StoredIdentity>(IDENTITY_STORAGE_KEY) : undefined;
  if (existing !== undefined) {
    if (!(existing.publicKey instanceof Uint8Array) || existing.publicKey.byteLength !== PUBLIC_KEY_BYTES) {
      throw new Error(`invariant: the stored ledger identity is malformed`);
    }
    return importIdentity(existing);
  }
  const { identity, stored } = await generateIdentity();
  if (storage) {
    await storage.put(IDENTITY_STORAGE_KEY, stored);
    await storage.sync();
  }
  return identity;
}

export async function sign(identity: LedgerIdentity, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ALGORITHM, identity.privateKey, buffer(message)));
}

/** Imports raw public keys once each; verification is the hot part of an audit. */
export class PublicKeyCache {
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  async verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
    if (publicKey.byteLength !== PUBLIC_KEY_BYTES || signature.byteLength !== SIGNATURE_BYTES) return false;
    const name = String.fromCharCode(...publicKey);
    let key = this.keys.get(name);
    if (key === undefined) {
      key = crypto.subtle.importKey('raw', buffer(publicKey), ALGORITHM, false, ['verify']);
      this.keys.set(name, key);
    }
    try {
      return await crypto.subtle.verify(ALGORITHM, await key, buffer(signature), buffer(message));
    } catch {
      return false;
    }
  }
}

/** WebCrypto takes bytes backed by an ArrayBuffer (not a SharedArrayBuffer); copies only if needed. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
