import { describe, expect, it } from 'vitest';
import type { LedgerCommand, SealCommand } from '../../actors/ledger/commands.ts';
import { Ledger } from '../../actors/ledger/ledger.ts';
import type { LedgerState } from '../../actors/ledger/state.ts';
import { LedgerSealer } from '../../actors/ledger/sealer.ts';
import { verifyLedger } from '../../actors/ledger/verify.ts';
import { GENESIS_ANCHOR } from '../../actors/ledger/ledger.ts';
import { encodeCommand } from '../../actors/machines/envelope.ts';
import { EntryType, type Entry } from '../../actors/raft/types.ts';
import { newIdentity } from './log-builder.ts';

/** A ledger fed by hand as a replica's apply loop would, and a sealer whose proposals are captured. */
async function setup() {
  const ledger = new Ledger();
  ledger.anchor(null);
  const entries: Entry[] = [];
  const proposed: LedgerCommand[] = [];
  const identity = await newIdentity();
  const sealer = new LedgerSealer(
    ledger,
    identity,
    {
      id: 'r1',
      canSeal: () => true,
      genesisConfig: () => ({ voters: ['r1'], learners: [] }),
      propose: async (_machine, command) => void proposed.push(command as LedgerCommand),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    },
    1,
  );
  const append = (machine: string, command: unknown): Entry => {
    const entry: Entry = { index: entries.length + 1, term: 1, lamport: entries.length + 1, type: EntryType.Command, data: encodeCommand({ machine, command, logTimeMs: 1 }) };
    entries.push(entry);
    ledger.record(entry);
    if (machine === 'ledger') ledger.machine.apply(ledger.state as LedgerState, ledger.machine.validate(command), { index: entry.index, term: 1, lamport: 1, logTimeMs: 1 });
    return entry;
  };
  const put = () => append('kv', { type: 'put', key: 'k', value: new Uint8Array([1]) });
  /** Lets the sealer decide, and returns what it proposed (null: nothing). */
  const step = async (): Promise<LedgerCommand | null> => {
    const before = proposed.length;
    sealer.step();
    for (let i = 0; i < 50 && proposed.length === before; i++) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 2));
    return proposed.length > before ? proposed.at(-1)! : null;
  };
  return { ledger, entries, append, put, step };
}

describe('the leader\'s sealer', () => {
  it('records genesis, registers its key, then seals, and stops once only its own seal is uncovered', async () => {
    const { entries, append, put, step } = await setup();
    put();
    const genesis = await step();
    expect(genesis).toMatchObject({ type: 'genesis', voters: ['r1'] });
    append('ledger', genesis);
    const register = await step();
    expect(register).toMatchObject({ type: 'register', replica: 'r1' });
    append('ledger', register);
    const seal = (await step()) as SealCommand;
    expect(seal).toMatchObject({ type: 'seal', signer: 'r1', from: 0, upTo: 3 });
    append('ledger', seal);
    expect(await step()).toBeNull();
    expect((await verifyLedger(GENESIS_ANCHOR, entries)).ok).toBe(true);
  });

  it('seals entries applied between computing a seal and applying it', async () => {
    const { entries, append, put, step } = await setup();
    append('ledger', await step());
    append('ledger', await step());
    put();
    const first = (await step()) as SealCommand;
    expect(first.upTo).toBe(3);
    put();
    put();
    append('ledger', first);
    const second = (await step()) as SealCommand;
    expect(second).toMatchObject({ type: 'seal', from: 3, upTo: 6 });
    append('ledger', second);
    expect(await step()).toBeNull();
    const report = await verifyLedger(GENESIS_ANCHOR, entries);
    expect(report).toMatchObject({ ok: true, sealedThrough: 6, unsealed: 1, seals: 2 });
  });
});
