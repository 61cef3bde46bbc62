// Snapshots encoded in slices (actors/machines/snapshot-build.ts): the bytes equal the canonical
// encoding of the whole snapshot value, and a build started before more commands apply still holds
// the state as it was when it started.

import { describe, expect, it } from 'vitest';
import { decodeUntrusted, encodeCanonical } from '../../actors/machines/codec.ts';
import { MachineHost } from '../../actors/machines/host.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import { bankMachine } from '../../actors/machines/examples/bank.ts';
import { arrayHeader, mapHeader } from '../../actors/machines/snapshot-build.ts';
import { makeNode, text, type TestNode } from './harness.ts';

/** A node with keys across several encoder pieces (1,024 rows each), TTLs, tombstones, dedup records and a second machine. */
function populated(keys: number): TestNode {
  const n = makeNode();
  for (let i = 0; i < keys; i++) n.kvDo({ type: 'put', key: `key/${String(i).padStart(6, '0')}`, value: text(`value ${i}`) });
  n.kvDo({ type: 'put', key: 'ttl', value: text('soon'), ttlSeconds: 60 });
  for (let i = 0; i < keys; i += 97) n.kvDo({ type: 'delete', key: `key/${String(i).padStart(6, '0')}` });
  n.propose({ command: { type: 'put', key: 'once', value: text('x') }, idempotencyKey: 'request-1' });
  n.propose({ machine: 'bank', command: { type: 'open', account: 'a' } });
  return n;
}

describe('snapshots encoded in slices', () => {
  it.each([0, 10, 1_023, 1_024, 3_000])('give the canonical encoding of the whole snapshot (%i keys)', (keys) => {
    const n = populated(keys);
    const bytes = n.host.snapshot();
    // Canonical: decoding and encoding the whole value again gives the same bytes.
    expect(encodeCanonical(decodeUntrusted(bytes))).toEqual(bytes);
    const kv = (decodeUntrusted(bytes) as { machines: [string, { entries: unknown[] }][] }).machines.find(([name]) => name === 'kv')![1];
    expect(kv.entries).toHaveLength(keys - Math.ceil(keys / 97) + 2);
    // And a host restored from it snapshots to the same bytes.
    const restored = new MachineHost();
    restored.register(createKvMachine());
    restored.register(bankMachine);
    restored.restore(bytes);
    expect(restored.snapshot()).toEqual(bytes);
  });

  it('writes array and map headers as the encoder does, at every size class', () => {
    for (const size of [0, 15, 16, 65_535, 65_536, 100_000]) {
      const array = encodeCanonical(new Array(size).fill(0));
      expect(arrayHeader(size), `array of ${size}`).toEqual(array.subarray(0, array.byteLength - size));
      const map = encodeCanonical(Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${i}`, 0])));
      expect(mapHeader(size), `map of ${size}`).toEqual(map.subarray(0, mapHeader(size).byteLength));
      expect(map[mapHeader(size).byteLength]! & 0xe0, `map of ${size}: a key follows the header`).toBe(size === 0 ? 0 : 0xa0);
    }
  });

  it('holds the state of when it began while later commands apply, one small slice at a time', () => {
    const n = populated(5_000);
    const expected = n.host.snapshot();
    const build = n.host.beginSnapshot();
    let steps = 0;
    let bytes: Uint8Array | null = null;
    while (bytes === null) {
      bytes = build.step(0);
      steps++;
      // Overwrite, create and delete keys between slices, as applies would between turns.
      n.kvDo({ type: 'put', key: `key/${String(steps * 13).padStart(6, '0')}`, value: text('later') });
      n.kvDo({ type: 'put', key: `new/${steps}`, value: text('later') });
      n.kvDo({ type: 'delete', key: `key/${String(steps * 7 + 1).padStart(6, '0')}` });
    }
    expect(steps).toBeGreaterThan(5);
    expect(bytes).toEqual(expected);
    expect(n.host.snapshot()).not.toEqual(expected);
  });
});
