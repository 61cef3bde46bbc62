import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSha256, installSha256, Sha256, sha256 } from '../../actors/ledger/sha256.ts';
import { EntryHasher } from '../../actors/ledger/chain.ts';
import { installNodeSha256, NodeSha256 } from '../../infra/node/native-sha256.ts';
import { toHex } from '../../actors/ledger/hex.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('sha256', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(toHex(sha256(text('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(text('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(
      toHex(sha256(text('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'))),
    ).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
    expect(toHex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with node:crypto at every padding boundary, however the input is split', () => {
    const hasher = new Sha256();
    for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4097]) {
      const message = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      const expected = createHash('sha256').update(message).digest('hex');
      expect(toHex(sha256(message))).toBe(expected);
      for (const step of [1, 7, 64, 100]) {
        hasher.reset();
        for (let i = 0; i < length; i += step) hasher.update(message, i, Math.min(length, i + step));
        expect(toHex(hasher.digest())).toBe(expected);
      }
    }
    expect(toHex(sha256(text('ab'), text('c')))).toBe(toHex(sha256(text('abc'))));
  });
});

describe('native SHA-256 for the Node host', () => {
  it('gives the same digests and the same entry-chain hashes as the TypeScript implementation', () => {
    const message = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const native = new NodeSha256();
    const out = new Uint8Array(40);
    native.update(message.subarray(0, 100)).update(message.subarray(100)).digestInto(out, 8);
    expect(toHex(out.subarray(8))).toBe(toHex(sha256(message)));
    native.reset().update(text('abc')).digestInto(out);
    expect(toHex(out.subarray(0, 32))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');

    const entry = { index: 7, term: 2, lamport: 99, type: 1, data: message } as const;
    const parent = new Uint8Array(32).fill(5);
    const viaTypeScript = new EntryHasher().hash(entry, parent);
    expect(createSha256()).toBeInstanceOf(Sha256);
    installNodeSha256();
    try {
      expect(createSha256()).toBeInstanceOf(NodeSha256);
      expect(toHex(new EntryHasher().hash(entry, parent))).toBe(toHex(viaTypeScript));
    } finally {
      installSha256(() => new Sha256());
    }
  });
});
