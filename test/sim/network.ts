// The simulated network: every message gets its own random delay (so messages reorder), may be lost
// or duplicated, and is dropped when its directed link is cut, at send time or while in flight.
// Links are directed: cutting a->b leaves b->a working (asymmetric partitions).
//
// Time is counted in simulator steps. In-flight messages sit in a timing wheel of per-step buckets;
// a bucket delivers in send order, so only the random delays reorder messages.

import type { Message, NodeId } from '../../actors/raft/types.ts';
import { chance, intIn, type Rng } from './rng.ts';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  readonly lossRate: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  readonly duplicateRate: number;
  /** Usual delay range in steps, inclusive; `minDelaySteps >= 1`. */
  readonly minDelaySteps: number;
  readonly maxDelaySteps: number;
  /** Probability that a message is held much longer (up to `spikeDelaySteps`), overtaken by later ones. */
  readonly spikeRate: number;
  readonly spikeDelaySteps: number;
}

export const RELIABLE_NETWORK: NetworkFaults = {
  lossRate: 0,
  duplicateRate: 0,
  minDelaySteps: 1,
  maxDelaySteps: 3,
  spikeRate: 0,
  spikeDelaySteps: 3,
};

const WHEEL_SLOTS = 512;
const WHEEL_MASK = WHEEL_SLOTS - 1;

export class SimNetwork {
  private readonly wheel: Message[][] = Array.from({ length: WHEEL_SLOTS }, () => []);
  /** cut[from * n + to] is 1 while the directed link from -> to is down. */
  private readonly cut: Uint8Array;
  private cutCount = 0;

  constructor(
    private readonly rng: Rng,
    private readonly indexOf: ReadonlyMap<NodeId, number>,
    private faults: NetworkFaults,
  ) {
    this.cut = new Uint8Array(indexOf.size * indexOf.size);
    this.setFaults(faults);
  }

  setFaults(faults: NetworkFaults): void {
    const { minDelaySteps, maxDelaySteps, spikeDelaySteps } = faults;
    if (minDelaySteps < 1 || maxDelaySteps < minDelaySteps || spikeDelaySteps < maxDelaySteps || spikeDelaySteps >= WHEEL_SLOTS) {
      throw new Error(`invariant: network delays need 1 <= min <= max <= spike < ${WHEEL_SLOTS} steps`);
    }
    this.faults = faults;
  }

  /** Queues `m` sent at step `now`. Returns how many copies were queued (0 when lost or cut). */
  send(m: Message, now: number): number {
    if (this.isCut(m.from, m.to) || chance(this.rng, this.faults.lossRate)) return 0;
    this.enqueue(m, now);
    if (chance(this.rng, this.faults.duplicateRate)) {
      this.enqueue(m, now);
      return 2;
    }
    return 1;
  }

  /** Messages due at step `now`, in send order. The caller must ask for every step in turn. */
  takeDue(now: number): Message[] {
    const slot = now & WHEEL_MASK;
    const due = this.wheel[slot]!;
    if (due.length === 0) return due;
    this.wheel[slot] = [];
    return due;
  }

  isCut(from: NodeId, to: NodeId): boolean {
    if (this.cutCount === 0) return false;
    return this.cut[this.indexOf.get(from)! * this.indexOf.size + this.indexOf.get(to)!] === 1;
  }

  cutLink(from: NodeId, to: NodeId): boolean {
    const k = this.indexOf.get(from)! * this.indexOf.size + this.indexOf.get(to)!;
    if (from === to || this.cut[k] === 1) return false;
    this.cut[k] = 1;
    this.cutCount++;
    return true;
  }

  healAll(): void {
    this.cut.fill(0);
    this.cutCount = 0;
  }

  cutLinks(): number {
    return this.cutCount;
  }

  private enqueue(m: Message, now: number): void {
    const f = this.faults;
    const delay = chance(this.rng, f.spikeRate)
      ? intIn(this.rng, f.maxDelaySteps, f.spikeDelaySteps)
      : intIn(this.rng, f.minDelaySteps, f.maxDelaySteps);
    this.wheel[(now + delay) & WHEEL_MASK]!.push(m);
  }
}
