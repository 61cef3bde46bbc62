// The run's trace: every event folds into a 64-bit hash (two 32-bit FNV-style lanes) that identifies
// the run, and the last events stay in a ring buffer of plain numbers, formatted only when a run fails
// or when a verbose replay prints each event as it happens. Nothing here allocates per event.

import { MESSAGE_TYPES, type MessageType } from '../../actors/raft/types.ts';

export const TraceKind = {
  Deliver: 0,
  Drop: 1,
  Persist: 2,
  Apply: 3,
  Leader: 4,
  Crash: 5,
  Restart: 6,
  Cut: 7,
  Heal: 8,
  Propose: 9,
  Read: 10,
  ReadServed: 11,
  ConfigChange: 12,
  Transfer: 13,
  Compact: 14,
  InstallSnapshot: 15,
  Phase: 16,
  Wipe: 17,
} as const;
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

const MESSAGE_CODE: Readonly<Record<MessageType, number>> = Object.fromEntries(
  MESSAGE_TYPES.map((type, code) => [type, code]),
) as Record<MessageType, number>;

export function messageCode(type: MessageType): number {
  return MESSAGE_CODE[type];
}

const CONFIG_CHANGES = ['addLearner', 'promote', 'remove'] as const;
export function configChangeCode(type: (typeof CONFIG_CHANGES)[number]): number {
  return CONFIG_CHANGES.indexOf(type);
}

const RING = 64;

export class Trace {
  private lane1 = 0x811c9dc5;
  private lane2 = 0x01000193;
  private count = 0;
  private readonly times = new Int32Array(RING);
  private readonly kinds = new Uint8Array(RING);
  private readonly fields = new Float64Array(RING * 4);

  /** `names[i]` is node i's id. `print` receives each formatted event as it happens (verbose replay). */
  constructor(
    private readonly names: readonly string[],
    private readonly print: ((line: string) => void) | null = null,
  ) {}

  record(time: number, kind: TraceKind, a = 0, b = 0, c = 0, d = 0): void {
    this.mix(time);
    this.mix(kind);
    this.mix(a);
    this.mix(b);
    this.mix(c);
    this.mix(d);
    const slot = this.count % RING;
    this.times[slot] = time;
    this.kinds[slot] = kind;
    const f = slot * 4;
    this.fields[f] = a;
    this.fields[f + 1] = b;
    this.fields[f + 2] = c;
    this.fields[f + 3] = d;
    this.count++;
    if (this.print) this.print(this.format(slot));
  }

  nodeIndex(id: string): number {
    return this.names.indexOf(id);
  }

  /** Identifies the run: equal hashes mean (with overwhelming probability) identical event sequences. */
  hash(): string {
    return (this.lane1 >>> 0).toString(16).padStart(8, '0') + (this.lane2 >>> 0).toString(16).padStart(8, '0');
  }

  events(): number {
    return this.count;
  }

  /** The last `n` events, oldest first. */
  tail(n = 40): string[] {
    const out: string[] = [];
    const first = Math.max(0, this.count - Math.min(n, RING));
    for (let i = first; i < this.count; i++) out.push(this.format(i % RING));
    return out;
  }

  private mix(value: number): void {
    // Values are integers below 2^53; fold the high part in so large values do not collide.
    const lo = value | 0;
    const hi = Math.floor(value / 0x1_0000_0000) | 0;
    this.lane1 = Math.imul(this.lane1 ^ lo, 0x01000193);
    this.lane1 = Math.imul(this.lane1 ^ hi, 0x01000193);
    this.lane2 = Math.imul(this.lane2 ^ lo, 0x5bd1e995);
    this.lane2 = (this.lane2 ^ (this.lane2 >>> 15)) + hi;
  }

  private format(slot: number): string {
    const f = slot * 4;
    const a = this.fields[f]!;
    const b = this.fields[f + 1]!;
    const c = this.fields[f + 2]!;
    const d = this.fields[f + 3]!;
    const t = `t=${this.times[slot]}`;
    const n = (i: number): string => this.names[i] ?? `#${i}`;
    switch (this.kinds[slot] as TraceKind) {
      case TraceKind.Deliver:
        return `${t} deliver ${n(a)}->${n(b)} ${MESSAGE_TYPES[c]} term=${d}`;
      case TraceKind.Drop:
        return `${t} drop ${n(a)}->${n(b)} ${MESSAGE_TYPES[c]} term=${d}`;
      case TraceKind.Persist:
        return `${t} ${n(a)} synced through index ${b} (term ${c}, vote ${d < 0 ? 'none' : n(d)})`;
      case TraceKind.Apply:
        return `${t} ${n(a)} applied index ${b} term ${c}`;
      case TraceKind.Leader:
        return `${t} ${n(a)} became leader of term ${b} (last index ${c})`;
      case TraceKind.Crash:
        return `${t} ${n(a)} crashed (${b} unsynced writes lost)`;
      case TraceKind.Restart:
        return `${t} ${n(a)} restarted (term ${b}, snapshot ${c}, last index ${d})`;
      case TraceKind.Cut:
        return `${t} link ${n(a)}->${n(b)} cut`;
      case TraceKind.Heal:
        return `${t} network healed`;
      case TraceKind.Propose:
        return `${t} ${n(a)} proposed command ${b} at index ${c}`;
      case TraceKind.Read:
        return `${t} ${n(a)} read r${b} issued (acked through ${c}, commit seen ${d})`;
      case TraceKind.ReadServed:
        return `${t} ${n(a)} read r${b} at index ${c} served at applied ${d}`;
      case TraceKind.ConfigChange:
        return `${t} ${n(a)} proposed ${CONFIG_CHANGES[b]} ${n(c)} at index ${d}`;
      case TraceKind.Transfer:
        return `${t} ${n(a)} transfers leadership to ${n(b)}`;
      case TraceKind.Compact:
        return `${t} ${n(a)} compacted through index ${b}`;
      case TraceKind.InstallSnapshot:
        return `${t} ${n(a)} installed snapshot at index ${b} term ${c}`;
      case TraceKind.Phase:
        return `${t} phase: ${a === 0 ? 'faults' : 'heal and converge'}`;
      case TraceKind.Wipe:
        return `${t} ${n(a)} lost its disk`;
    }
  }
}
