// The leader's side of the ledger. Every `sealEveryTicks` ticks, while leading, it proposes at most one
// ledger command, in this order of need:
//   1. `genesis`, if no genesis membership is recorded and this replica's log still starts at index 0;
//   2. `register`, if the key registered for this replica is not its own (first election, new key);
//   3. `seal`, if an applied entry other than the last seal entry itself is not covered by a seal: it
//      signs the chain up to the last applied entry (hash, and per-entry tags from the last seal's
//      `upTo`), outside the apply loop.
// One proposal is in flight at a time; an idle cluster stops sealing after one seal.

import type { ClusterConfig } from '../raft/types.ts';
import type { Logger } from '../replica/ports.ts';
import { LEDGER_MACHINE, MAX_SEAL_ENTRIES, TAG_BYTES, registerMessage, sealMessage, type LedgerCommand, type SealBody } from './commands.ts';
import { bytesEqual } from './hex.ts';
import { sign, type LedgerIdentity } from './keys.ts';
import type { Ledger } from './ledger.ts';

/** What the sealer needs from its replica. */
export interface SealerHost {
  readonly id: string;
  /** True while this replica leads and has applied an entry of its own term (its state is current). */
  canSeal(): boolean;
  /** The membership at index 0 while this replica's log still starts there, else null. */
  genesisConfig(): ClusterConfig | null;
  /** Proposes a command; settles once it is applied here (or lost). */
  propose(machine: string, command: unknown): Promise<unknown>;
  readonly logger: Logger;
}

export class LedgerSealer {
  private ticks = 0;
  private inFlight = false;
  /** Seals proposed by this replica (for metrics and tests). */
  sealsProposed = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly identity: LedgerIdentity,
    private readonly host: SealerHost,
    /** 0 never seals. */
    private readonly sealEveryTicks: number,
  ) {}

  get publicKey(): Uint8Array {
    return this.identity.publicKey;
  }

  tick(): void {
    if (this.sealEveryTicks === 0 || ++this.ticks < this.sealEveryTicks) return;
    this.ticks = 0;
    this.step();
  }

  /** Proposes the next ledger command now, if one is needed and none is in flight. */
  step(): void {
    if (this.inFlight || !this.host.canSeal()) return;
    this.inFlight = true;
    this.run()
      .catch((error: unknown) => this.host.logger.warn(`${this.host.id}: ledger proposal not committed: ${String(error)}`))
      .finally(() => {
        this.inFlight = false;
      });
  }

  private async run(): Promise<void> {
    const command = await this.nextCommand();
    if (command === null || !this.host.canSeal()) return;
    if (command.type === 'seal') this.sealsProposed++;
    await this.host.propose(LEDGER_MACHINE, command);
  }

  private async nextCommand(): Promise<LedgerCommand | null> {
    const state = this.ledger.state;
    if (state.genesis === null) {
      const genesis = this.host.genesisConfig();
      if (genesis !== null && genesis.voters.length > 0) {
        return { type: 'genesis', voters: [...genesis.voters], learners: [...genesis.learners] };
      }
    }
    const registered = state.keys.get(this.host.id);
    if (registered === undefined || !bytesEqual(registered.publicKey, this.identity.publicKey)) {
      const proof = await sign(this.identity, registerMessage(this.host.id, this.identity.publicKey));
      return { type: 'register', replica: this.host.id, publicKey: this.identity.publicKey, proof };
    }
    const body = this.sealBody();
    if (body === null) return null;
    return { type: 'seal', ...body, signature: await sign(this.identity, sealMessage(body)) };
  }

  private sealBody(): SealBody | null {
    const chain = this.ledger.chain;
    const head = chain.headIndex;
    const last = this.ledger.state.lastSeal;
    // Nothing to seal when every applied entry is covered, except the last seal entry itself: sealing
    // that alone would make an idle cluster seal forever.
    if (last === null ? head === 0 : head <= last.upTo || (head === last.index && last.upTo === last.index - 1)) return null;
    const from = Math.max(last?.upTo ?? 0, chain.baseIndex);
    const upTo = Math.min(head, from + MAX_SEAL_ENTRIES);
    if (upTo <= from) return null;
    const tags = new Uint8Array((upTo - from) * TAG_BYTES);
    for (let j = from + 1; j <= upTo; j++) tags.set(chain.hashAt(j)!.subarray(0, TAG_BYTES), (j - from - 1) * TAG_BYTES);
    return { signer: this.host.id, from, upTo, hash: chain.hashAt(upTo)!, tags };
  }
}
