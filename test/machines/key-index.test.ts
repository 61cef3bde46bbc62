// The KV key index against a plain sorted array: random inserts, deletes and walks (seeded; a failure
// names its seed), chunk splits and removals included.

import { describe, expect, it } from 'vitest';
import { seededRng } from '../../actors/raft/rand.ts';
import { KeyIndex } from '../../actors/machines/kv/key-index.ts';
import { compareKeys } from '../../actors/machines/kv/keys.ts';

const ALPHABET = ['a', 'b', 'c', '/', 'é', '\u{1F600}', '\uE000'];

function walk(index: KeyIndex, from: string, exclusive: boolean, limit: number): string[] {
  const seen: string[] = [];
  index.walkFrom(from, exclusive, (key) => {
    seen.push(key);
    return seen.length < limit;
  });
  return seen;
}

describe('KeyIndex', () => {
  it.each([1, 2, 3])('matches a sorted array under random inserts, deletes and walks (seed %i)', (seed) => {
    const rng = seededRng(seed);
    const randomKey = () => Array.from({ length: 1 + rng.nextInt(4) }, () => ALPHABET[rng.nextInt(ALPHABET.length)]).join('');
    const index = new KeyIndex();
    let model: string[] = [];
    for (let step = 0; step < 20_000; step++) {
      const key = randomKey();
      const present = model.includes(key);
      if (rng.nextInt(3) > 0) {
        if (!present) {
          index.insert(key);
          model.push(key);
          model.sort(compareKeys);
        }
      } else {
        expect(index.delete(key), `seed ${seed} step ${step}`).toBe(present);
        model = model.filter((k) => k !== key);
      }
      if (step % 500 === 0) {
        const from = randomKey();
        const exclusive = rng.nextInt(2) === 0;
        const expected = model.filter((k) => (exclusive ? compareKeys(k, from) > 0 : compareKeys(k, from) >= 0)).slice(0, 50);
        expect(walk(index, from, exclusive, 50), `seed ${seed} step ${step}`).toEqual(expected);
      }
    }
    const all: string[] = [];
    index.forEach((k) => all.push(k));
    expect(all).toEqual(model);
    expect(index.size).toBe(model.length);
  });

  it('splits chunks as they fill and drops them as they empty, keeping order across chunk edges', () => {
    const index = new KeyIndex();
    const keys = Array.from({ length: 5_000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    for (let i = keys.length - 1; i >= 0; i -= 2) index.insert(keys[i]!);
    for (let i = 0; i < keys.length; i += 2) index.insert(keys[i]!);
    expect(walk(index, 'k01023', true, 3)).toEqual(['k01024', 'k01025', 'k01026']);
    expect(walk(index, 'k04999', true, 3)).toEqual([]);
    for (const key of keys.slice(100, 4_900)) expect(index.delete(key)).toBe(true);
    const all: string[] = [];
    index.forEach((k) => all.push(k));
    expect(all).toEqual([...keys.slice(0, 100), ...keys.slice(4_900)]);
    expect(walk(index, 'k00099', false, 2)).toEqual(['k00099', 'k04900']);
  });

  it('appends keys in order and refuses one out of order', () => {
    const index = new KeyIndex();
    for (let i = 0; i < 1_500; i++) index.append(`k${String(i).padStart(4, '0')}`);
    expect(index.size).toBe(1_500);
    expect(() => index.append('k0001')).toThrow(/out of order/);
    index.insert('k0000a');
    expect(walk(index, 'k0000', true, 2)).toEqual(['k0000a', 'k0001']);
  });
});
