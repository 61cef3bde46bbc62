// A machine snapshot encoded in slices, so a large state never holds a replica's thread for long.
//
// `beginSnapshot` on the host captures, at once, everything the snapshot holds: small parts are
// encoded on the spot, and a machine with a large ordered collection (KV) hands over a
// `StreamedValue`: the encoding around one array, plus a way to read that array's rows later from
// references taken at capture time (its entries are immutable, so later applies cannot change them).
// `SnapshotBuild.step` then encodes rows until its time budget is spent. The bytes are exactly those
// of `encodeCanonical` over the whole value: msgpack is written front to back, so encoding the parts
// one after another and joining them gives the same bytes.

import { PlainEncoder } from '../codec/plain-msgpack.ts';

/** A value whose canonical encoding is `before`, `count` rows, then `after`. */
export interface StreamedValue {
  /** The encoding up to and including the streamed array's header (see arrayHeader). */
  readonly before: Uint8Array;
  readonly count: number;
  /** Rows [from, to) as plain values; called with consecutive ranges, in order. */
  rows(from: number, to: number): unknown[];
  /** The encoding after the array. */
  readonly after: Uint8Array;
  /** Called once when the build is done with the rows (finished or abandoned). */
  release?(): void;
}

const EMPTY = new Uint8Array(0);

/** Rows encoded per call to the encoder: large enough to amortise the call, small for the budget. */
const ROWS_PER_PIECE = 1_024;

/** A snapshot's own encoder: a build spans many turns, and the shared one is used by apply meanwhile. */
const snapshotEncoder = new PlainEncoder({ sortKeys: true, ignoreUndefined: true });

/** The canonical encoding of one plain value, with the snapshot's encoder. */
export function encodeSnapshotPart(value: unknown): Uint8Array {
  return snapshotEncoder.encode(value);
}

/** The msgpack header of an array of `size` items (the layout the encoder writes). */
export function arrayHeader(size: number): Uint8Array {
  if (size < 16) return Uint8Array.of(0x90 + size);
  if (size < 0x1_0000) return Uint8Array.of(0xdc, size >>> 8, size & 0xff);
  return Uint8Array.of(0xdd, size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff);
}

/** The msgpack header of a map of `size` entries. */
export function mapHeader(size: number): Uint8Array {
  if (size < 16) return Uint8Array.of(0x80 + size);
  if (size < 0x1_0000) return Uint8Array.of(0xde, size >>> 8, size & 0xff);
  return Uint8Array.of(0xdf, size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff);
}

/**
 * An encoding in progress: encoded pieces and streamed values, in order. Once every part is encoded,
 * the pieces are copied into one array piece by piece within the same budget (at a million keys one
 * join of 126 MB held the thread for 340 ms, mostly page faults of the new array).
 */
export class SnapshotBuild {
  private readonly done: Uint8Array[] = [];
  private doneBytes = 0;
  private part = 0;
  /** The joined result while its pieces are copied in: pieces before `joinedPieces` are in, up to `joinedBytes`. */
  private joined: Uint8Array | null = null;
  private joinedPieces = 0;
  private joinedBytes = 0;
  /** Rows of the current streamed part already encoded. */
  private row = 0;
  private result: Uint8Array | null = null;
  private released = false;

  constructor(private readonly parts: readonly (Uint8Array | StreamedValue)[]) {}

  /**
   * Encodes until `budgetMs` has passed (at least one piece per call); returns the snapshot's bytes
   * once everything is encoded, null before.
   */
  step(budgetMs: number, now: () => number = () => performance.now()): Uint8Array | null {
    if (this.result !== null) return this.result;
    const deadline = now() + budgetMs;
    do {
      const part = this.parts[this.part];
      if (part === undefined) {
        if (this.joinNext()) return this.result;
        continue;
      }
      if (part instanceof Uint8Array) {
        this.emit(part);
        this.part++;
        continue;
      }
      if (this.row === 0) this.emit(part.before);
      const to = Math.min(part.count, this.row + ROWS_PER_PIECE);
      if (to > this.row) {
        const rows = part.rows(this.row, to);
        // One array of rows, without its header: the rows' own bytes, as inside the whole array.
        this.emit(snapshotEncoder.encode(rows).subarray(arrayHeader(rows.length).length));
        this.row = to;
      }
      if (this.row === part.count) {
        this.emit(part.after);
        this.part++;
        this.row = 0;
      }
    } while (now() < deadline);
    return null;
  }

  private emit(piece: Uint8Array): void {
    this.done.push(piece);
    this.doneBytes += piece.byteLength;
  }

  /** Copies the next encoded piece into the result; true once every piece is in (`result` is set). */
  private joinNext(): boolean {
    this.joined ??= new Uint8Array(this.doneBytes);
    const piece = this.done[this.joinedPieces];
    if (piece === undefined) {
      this.result = this.joined;
      this.done.length = 0;
      this.release();
      return true;
    }
    this.joined.set(piece, this.joinedBytes);
    this.joinedBytes += piece.byteLength;
    // The piece is in the result now: let it go.
    this.done[this.joinedPieces++] = EMPTY;
    return false;
  }

  /** Ends the streamed parts' captures; a build is released when it finishes, or by whoever abandons it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const part of this.parts) if (!(part instanceof Uint8Array)) part.release?.();
  }

  /** Encodes everything now. */
  finish(): Uint8Array {
    let bytes: Uint8Array | null = null;
    while (bytes === null) bytes = this.step(Infinity);
    return bytes;
  }
}

/**
 * Encodes `build` in slices of at most `sliceMs`, one per event-loop turn, until it is done (its bytes
 * and the thread time its slices took) or `cancelled()` says to stop (null).
 */
export async function encodeInSlices(
  build: SnapshotBuild,
  sliceMs: number,
  cancelled: () => boolean = () => false,
): Promise<{ readonly data: Uint8Array; readonly spentMs: number } | null> {
  let spentMs = 0;
  for (;;) {
    await nextTurn();
    if (cancelled()) {
      build.release();
      return null;
    }
    const started = performance.now();
    const data = build.step(sliceMs);
    spentMs += performance.now() - started;
    if (data !== null) return { data, spentMs };
  }
}

/** Resolves in a later event-loop turn (setImmediate on Node, a zero timeout elsewhere, e.g. workerd). */
function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
