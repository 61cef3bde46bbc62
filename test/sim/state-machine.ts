// The replicated state machine each simulated replica runs: the ordered list of client command ids it
// applied, plus a rolling hash over every applied entry (index, term, type, command). Two replicas at
// the same applied index with the same hash applied the same entries. Its snapshot is the whole state,
// so a lagging replica catches up through a multi-chunk InstallSnapshot.

import { type Entry, EntryType } from '../../actors/raft/types.ts';

/** A command is a 32-bit client command id (little-endian) followed by padding that varies its size. */
export function encodeCommand(commandId: number, paddingBytes: number): Uint8Array {
  const data = new Uint8Array(4 + paddingBytes);
  data[0] = commandId & 0xff;
  data[1] = (commandId >>> 8) & 0xff;
  data[2] = (commandId >>> 16) & 0xff;
  data[3] = (commandId >>> 24) & 0xff;
  for (let i = 4; i < data.length; i++) data[i] = (commandId + i) & 0xff;
  return data;
}

export function decodeCommand(data: Uint8Array): number {
  return (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
}

function mix(hash: number, value: number): number {
  let h = Math.imul(hash ^ value, 0x85ebca6b);
  h ^= h >>> 13;
  return Math.imul(h, 0xc2b2ae35) >>> 0;
}

export class CommandLog {
  appliedIndex = 0;
  hash = 0;
  /** Applied client command ids, in apply order. */
  commands: number[] = [];

  /** Applies the next entry; the caller guarantees `entry.index === appliedIndex + 1`. */
  apply(entry: Entry): void {
    let h = mix(this.hash, entry.index);
    h = mix(h, entry.term);
    h = mix(h, entry.type);
    if (entry.type === EntryType.Command) {
      const id = decodeCommand(entry.data);
      h = mix(h, id);
      this.commands.push(id);
    }
    this.hash = h;
    this.appliedIndex = entry.index;
  }

  /** Layout: appliedIndex, hash, command count, then the command ids; all u32 little-endian. */
  encode(): Uint8Array {
    const out = new Uint8Array(12 + 4 * this.commands.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.appliedIndex, true);
    view.setUint32(4, this.hash, true);
    view.setUint32(8, this.commands.length, true);
    for (let i = 0; i < this.commands.length; i++) view.setUint32(12 + 4 * i, this.commands[i]!, true);
    return out;
  }

  static decode(bytes: Uint8Array): CommandLog {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = view.getUint32(8, true);
    if (bytes.byteLength !== 12 + 4 * count) throw new Error(`invariant: snapshot of ${bytes.byteLength} bytes holds ${count} commands`);
    const log = new CommandLog();
    log.appliedIndex = view.getUint32(0, true);
    log.hash = view.getUint32(4, true);
    for (let i = 0; i < count; i++) log.commands.push(view.getUint32(12 + 4 * i, true));
    return log;
  }
}
