// A leader applies the KV commands it proposed from their validated objects, without decoding the
// entry bytes again (proposerAppliesValidated). It must end with exactly what a replica that decodes
// the same bytes ends with: same outcomes, same snapshot bytes.

import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommandDecoded } from '../../actors/machines/envelope.ts';
import { MachineHost } from '../../actors/machines/host.ts';
import { bankMachine } from '../../actors/machines/examples/bank.ts';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import { seededRng, type Rng } from '../../actors/raft/rand.ts';

function host(): MachineHost {
  const h = new MachineHost();
  h.register(createKvMachine());
  h.register(bankMachine);
  return h;
}

function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
}

function bytes(rng: Rng, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rng.nextInt(256));
}

/** A random KV command as a client sends it (values of every bin size, conditions, TTLs, txns). */
function randomCommand(rng: Rng): unknown {
  const key = `k${rng.nextInt(12)}`;
  const sizes = [0, 1, 100, 300, 70_000];
  const value = bytes(rng, sizes[rng.nextInt(sizes.length)]!);
  switch (rng.nextInt(5)) {
    case 0:
      return { type: 'put', key, value };
    case 1:
      return { type: 'put', key, value, ifRevision: rng.nextInt(3) === 0 ? -0 : rng.nextInt(40), ttlSeconds: 1 + rng.nextInt(100) };
    case 2:
      return { type: 'put', key, value, ifAbsent: rng.nextInt(2) === 0 };
    case 3:
      return { type: 'delete', key, ...(rng.nextInt(2) === 0 ? { ifRevision: rng.nextInt(40) } : {}) };
    default:
      return {
        type: 'txn',
        compare: [rng.nextInt(2) === 0 ? { key, revision: rng.nextInt(3) === 0 ? -0 : rng.nextInt(30) } : { key, exists: rng.nextInt(2) === 0 }],
        success: [{ op: 'put', key: `${key}-t`, value }, { op: 'get', key }],
        failure: [{ op: 'delete', key: `${key}-t` }],
      };
  }
}

describe('a leader applying its own KV proposals without decoding them', () => {
  it('builds the envelope decoding would give, command bytes included, for every bin size', () => {
    const rng = seededRng(3);
    for (let i = 0; i < 200; i++) {
      const command = createKvMachine().validate(randomCommand(rng));
      const envelope = { machine: 'kv', command, logTimeMs: 1_700_000_000_000 + i, ...(i % 3 === 0 ? { idempotencyKey: `id-${i}` } : {}) };
      const { bytes: encoded, decoded } = encodeCommandDecoded(envelope);
      const read = decodeCommand(encoded);
      expect(read.ok).toBe(true);
      if (!read.ok) continue;
      expect(Buffer.from(decoded.commandBytes).equals(Buffer.from(read.envelope.commandBytes))).toBe(true);
      expect(decoded.commandBytes.buffer).toBe(encoded.buffer);
      // The one difference msgpack makes: -0 is written as 0 (KV compares numbers with ===).
      expect(withoutNegativeZero(decoded)).toEqual(read.envelope);
    }
  });

  it('ends with the outcomes and snapshot of a replica that decodes the same entries', () => {
    const rng = seededRng(9);
    const leader = host();
    const follower = host();
    let clock = 1_700_000_000_000;
    for (let index = 1; index <= 2_000; index++) {
      clock += rng.nextInt(3);
      const key = rng.nextInt(4) === 0 ? { idempotencyKey: `key-${rng.nextInt(50)}` } : {};
      // Every generated command is valid, so every one is proposed.
      const data = leader.encodeProposal('kv', randomCommand(rng), { logTimeMs: clock, ...key });
      const entry = { index, term: 1, lamport: index + 10, data };
      // The follower gets a copy: a different bytes object, as after the network or the disk.
      const mine = leader.apply(entry);
      const theirs = follower.apply({ ...entry, data: data.slice() });
      expect(mine).toEqual(theirs);
    }
    expect(Buffer.from(leader.snapshot()).equals(Buffer.from(follower.snapshot()))).toBe(true);
  });
});
