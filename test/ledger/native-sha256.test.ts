import { describe, expect, it } from 'vitest';
import { EntryHasher, GENESIS_HEAD, HashChain } from '../../actors/ledger/chain.ts';
import { toHex } from '../../actors/ledger/hex.ts';
import { type Rng, seededRng } from '../../actors/raft/rand.ts';
import type { Entry } from '../../actors/raft/types.ts';
import { nativeSha256 } from '../../infra/node/native-sha256.ts';

function randomEntry(rng: Rng, index: number, length: number): Entry {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = rng.nextInt(256);
  return { index, term: 1 + rng.nextInt(1e6), lamport: Math.floor(rng.next() * 2 ** 40), type: (1 + rng.nextInt(3)) as Entry['type'], data };
}

describe('the ledger chain with the Node host native SHA-256', () => {
  it('is available on this Node', () => {
    expect(nativeSha256).toBeTypeOf('function');
  });

  it('hashes every entry to the same bytes as the portable digest, across block boundaries and buffer growth', () => {
    const rng = seededRng(7);
    const portable = new EntryHasher();
    const native = new EntryHasher(nativeSha256!);
    let parent = GENESIS_HEAD.hash;
    // 0..130 covers every position of the message end within a 64-byte block; 5,000 outgrows the scratch buffer.
    const lengths = [...Array.from({ length: 131 }, (_, i) => i), 5_000, 40, 70_000, 3];
    lengths.forEach((length, i) => {
      const entry = randomEntry(rng, i + 1, length);
      const expected = portable.hash(entry, parent);
      expect(toHex(native.hash(entry, parent)), `data length ${length}`).toBe(toHex(expected));
      parent = expected;
    });
  });

  it('builds the same chain, with hashes written into the chain\'s own packed buffer', () => {
    const rng = seededRng(11);
    const a = new HashChain();
    const b = new HashChain(nativeSha256!);
    for (let i = 1; i <= 3_000; i++) {
      const entry = randomEntry(rng, i, rng.nextInt(300));
      a.append(entry);
      b.append(entry);
      if (i % 700 === 0) {
        a.forgetBelow(i - 50);
        b.forgetBelow(i - 50);
      }
    }
    expect(toHex(b.head.hash)).toBe(toHex(a.head.hash));
    for (let i = 2_951; i <= 3_000; i++) expect(toHex(b.hashAt(i)!)).toBe(toHex(a.hashAt(i)!));
  });
});
