import { describe, expect, it } from 'vitest';
import { encodeCanonical } from '../../actors/machines/codec.ts';
import { writeEnvelopeBytes } from '../../actors/machines/envelope-bytes.ts';
import { seededRng } from '../../actors/raft/rand.ts';

/** The envelope as the canonical encoder writes it: the reference writeEnvelopeBytes must match. */
function reference(machine: string, logTimeMs: number, idempotencyKey: string | undefined, command: Uint8Array): Uint8Array {
  return encodeCanonical(idempotencyKey === undefined ? { v: 1, machine, logTimeMs, command } : { v: 1, machine, logTimeMs, idempotencyKey, command });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('writeEnvelopeBytes', () => {
  it('gives the canonical encoding at every size boundary of its integers, strings and bin', () => {
    const times = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 1_700_000_000_123, Number.MAX_SAFE_INTEGER];
    const commandLengths = [0, 1, 255, 256, 65_535, 65_536, 70_000];
    const keys = [undefined, 'k', 'é', '🙂', 'x'.repeat(31), 'x'.repeat(32), 'é'.repeat(16), 'x'.repeat(255), 'x'.repeat(256)];
    const machines = ['kv', 'm'.repeat(31), 'm'.repeat(32), 'ledger'];
    for (const logTimeMs of times) {
      for (const length of commandLengths) {
        const command = new Uint8Array(length).map((_, i) => (i * 31) & 0xff);
        for (const key of keys) {
          for (const machine of machines) {
            const label = `${machine.length}/${logTimeMs}/${key?.length}/${length}`;
            expect(hex(writeEnvelopeBytes(1, machine, logTimeMs, key, command)), label).toBe(hex(reference(machine, logTimeMs, key, command)));
          }
        }
      }
    }
  });

  it('matches the canonical encoding for random fields (seed 42)', () => {
    const rng = seededRng(42);
    const alphabet = ['a', 'Z', '0', '-', 'é', 'ß', '中', '🙂'];
    const randomText = (max: number): string => Array.from({ length: 1 + rng.nextInt(max) }, () => alphabet[rng.nextInt(alphabet.length)]).join('');
    for (let i = 0; i < 2_000; i++) {
      const command = new Uint8Array(rng.nextInt(600)).map(() => rng.nextInt(256));
      const key = rng.nextInt(3) === 0 ? undefined : randomText(80);
      const logTimeMs = Math.floor(rng.next() * 2 ** (1 + rng.nextInt(52)));
      const machine = randomText(20);
      expect(hex(writeEnvelopeBytes(1, machine, logTimeMs, key, command)), `case ${i}`).toBe(hex(reference(machine, logTimeMs, key, command)));
    }
  });
});
