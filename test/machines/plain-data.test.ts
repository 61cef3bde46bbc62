// plainDataProblem's reason ends up in replicated apply outcomes, so which problem it reports for a
// value with several must never change: it is checked here against the stack walk it replaced.
import { describe, expect, it } from 'vitest';
import { plainDataProblem } from '../../actors/machines/codec.ts';
import { seededRng, type Rng } from '../../actors/raft/rand.ts';

/** The original iterative walk, kept as the reference. */
function referenceProblem(value: unknown, maxDepth: number): string | null {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    const v = item.value;
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') continue;
    if (v instanceof Uint8Array) continue;
    if (typeof v !== 'object') return `unsupported value of type ${typeof v}`;
    if (item.depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      for (const child of v) pending.push({ value: child, depth: item.depth + 1 });
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return 'unsupported object (extension type)';
    for (const child of Object.values(v)) pending.push({ value: child, depth: item.depth + 1 });
  }
  return null;
}

const LEAVES: Array<() => unknown> = [
  () => null, () => true, () => 1.5, () => 'text', () => new Uint8Array(3),
  () => undefined, () => 10n, () => new Date(0), () => new Map(), () => Symbol('s'), () => () => 1,
];

function randomValue(rng: Rng, depth: number): unknown {
  const kind = rng.nextInt(depth > 6 ? 3 : 10);
  if (kind < 3) {
    // Mostly plain leaves, sometimes one that is not.
    return LEAVES[rng.nextInt(10) < 8 ? rng.nextInt(5) : 5 + rng.nextInt(LEAVES.length - 5)]!();
  }
  const size = rng.nextInt(5);
  if (kind < 6) return Array.from({ length: size }, () => randomValue(rng, depth + 1));
  const object: Record<string, unknown> = kind === 9 ? (Object.create(null) as Record<string, unknown>) : {};
  for (let i = 0; i < size; i++) object[`k${rng.nextInt(8)}`] = randomValue(rng, depth + 1);
  return object;
}

describe('plainDataProblem', () => {
  it('reports the same problem as the reference walk for random values with several problems', () => {
    const seed = Number(process.env.PLAIN_DATA_SEED ?? 20261207);
    const rng = seededRng(seed);
    let problems = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(rng, 1);
      const maxDepth = 1 + rng.nextInt(6);
      const expected = referenceProblem(value, maxDepth);
      if (expected !== null) problems++;
      expect(plainDataProblem(value, maxDepth), `seed ${seed}, value ${i}`).toBe(expected);
    }
    // The generator must produce both outcomes, or the comparison proves little.
    expect(problems).toBeGreaterThan(2_000);
    expect(problems).toBeLessThan(18_000);
  });

  it('names the problem found first: the last child before earlier ones, depth before type', () => {
    expect(plainDataProblem([new Date(0), undefined])).toBe('unsupported value of type undefined');
    expect(plainDataProblem({ a: undefined, b: new Map() })).toBe('unsupported object (extension type)');
    expect(plainDataProblem([[[undefined]]], 2)).toBe('nested deeper than 2 levels');
    expect(plainDataProblem({ a: [1, 'x', new Uint8Array(1)], b: null })).toBeNull();
  });
});
