// Builds committed logs by hand for ledger tests: commands, configuration changes, registrations and
// seals signed with real Ed25519 keys, exactly as a replica would append them.

import { HashChain } from '../../actors/ledger/chain.ts';
import { LEDGER_MACHINE, TAG_BYTES, registerMessage, sealMessage, type SealBody } from '../../actors/ledger/commands.ts';
import { generateIdentity, sign, type LedgerIdentity } from '../../actors/ledger/keys.ts';
import { encodeCommand } from '../../actors/machines/envelope.ts';
import { encodeConfig } from '../../actors/raft/config.ts';
import { EntryType, type ClusterConfig, type Entry } from '../../actors/raft/types.ts';

export async function newIdentity(): Promise<LedgerIdentity> {
  return (await generateIdentity()).identity;
}

export class LogBuilder {
  readonly entries: Entry[] = [];
  readonly chain = new HashChain();
  term = 1;
  private lamport = 0;

  get lastIndex(): number {
    return this.entries.at(-1)?.index ?? 0;
  }

  push(type: Entry['type'], data: Uint8Array): Entry {
    const entry: Entry = { index: this.lastIndex + 1, term: this.term, lamport: ++this.lamport, type, data };
    this.entries.push(entry);
    this.chain.append(entry);
    return entry;
  }

  noop(): Entry {
    return this.push(EntryType.Noop, new Uint8Array(0));
  }

  command(machine: string, command: unknown): Entry {
    return this.push(EntryType.Command, encodeCommand({ machine, command, logTimeMs: 1_700_000_000_000 + this.lastIndex }));
  }

  put(key: string, value: string): Entry {
    return this.command('kv', { type: 'put', key, value: new TextEncoder().encode(value) });
  }

  config(config: ClusterConfig): Entry {
    return this.push(EntryType.Config, encodeConfig(config));
  }

  genesis(voters: string[]): Entry {
    return this.command(LEDGER_MACHINE, { type: 'genesis', voters, learners: [] });
  }

  async register(replica: string, identity: LedgerIdentity, proofBy: LedgerIdentity = identity): Promise<Entry> {
    const proof = await sign(proofBy, registerMessage(replica, identity.publicKey));
    return this.command(LEDGER_MACHINE, { type: 'register', replica, publicKey: identity.publicKey, proof });
  }

  /** A seal of (from, lastIndex] as `signer`, signed by `identity`. */
  async seal(signer: string, identity: LedgerIdentity, from: number): Promise<Entry> {
    return this.command(LEDGER_MACHINE, await sealCommand(this.chain, signer, identity, from, this.lastIndex));
  }
}

/** The seal command a leader would propose for (from, upTo] of `chain`. */
export async function sealCommand(chain: HashChain, signer: string, identity: LedgerIdentity, from: number, upTo: number): Promise<Record<string, unknown>> {
  const tags = new Uint8Array((upTo - from) * TAG_BYTES);
  for (let j = from + 1; j <= upTo; j++) tags.set(chain.hashAt(j)!.subarray(0, TAG_BYTES), (j - from - 1) * TAG_BYTES);
  const body: SealBody = { signer, from, upTo, hash: chain.hashAt(upTo)!, tags };
  return { type: 'seal', ...body, signature: await sign(identity, sealMessage(body)) };
}

/** A copy of `entry` with one byte of its data flipped. */
export function flipDataByte(entry: Entry, offset: number): Entry {
  const data = entry.data.slice();
  data[offset] = data[offset]! ^ 0x01;
  return { ...entry, data };
}
