// LogStore on real files, for replicas hosted by Node.
//
// Layout under `dir`:
//   log/<20-digit first index>.seg      append-only segments (record format: file-segment-format.ts)
//   hardstate                           the hard state, checksummed, replaced atomically
//   snapshots/<index>-<term>.snap       the latest snapshot, checksummed, written atomically
//
// Writes only change the in-memory model and buffers; `sync()` claims everything buffered so far (later
// writes belong to the next sync) and makes it durable in this order, each step after the previous one
// is durable:
//   1. the new snapshot file (unless it is written in the background, below);
//   2. deletions: segments dropped by a truncation or made obsolete by the snapshot, older snapshots;
//   3. segment data: per segment one optional truncate (+ datasync) and ONE durable write; then the
//      log directory if a segment was created;
//      Segments are opened with O_DSYNC, so that one write is also its datasync. By default it runs
//      synchronously on the calling thread, which saves a thread-pool hand-off per batch but blocks
//      the caller's event loop for the sync (a caller that must send before persisting lets its sends
//      flush first, see Replica's loop); `sync({ offThread: true })` runs it on the thread pool
//      instead, for a caller with other work meanwhile (a replica that clients are waiting on).
//      Opening, truncation, snapshots and the hard state stay asynchronous (they are rare).
//   4. the hard state (its temp file is written and fsynced concurrently with steps 1-3, and renamed
//      into place last, so a durable commit index never points past the durable log).
// A crash in between leaves a state recovery (file-log-recovery.ts) maps to a valid log.
//
// A snapshot that only compacts the log (the entries it covers are durable in the log already) is a
// background compaction instead: its file is written beside the syncs, so writing and fsyncing a large
// snapshot never holds back the log, and the segments it makes obsolete are deleted only once it is
// durable (until then a crash recovers the earlier snapshot plus those segments: the same log). One
// compaction runs at a time; a newer one waits, replacing any that waits already. A sync that claims a
// snapshot of its own waits for the running compaction before writing it.

import { constants, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHardState, encodeSnapshotHeader } from '../../actors/storage/entry-codec.ts';
import { assertAppendable, assertSnapshotNotOlder } from '../../actors/storage/log-state.ts';
import type { LogStore, SyncOptions } from '../../actors/storage/types.ts';
import type { Entry, HardState, RestoredState, Snapshot } from '../../actors/raft/types.ts';
import { fsyncDirectory, replaceFileAtomically, stageFile, unlinkIfPresent } from './file-atomic.ts';
import type { FsyncCounter, StagedFile } from './file-atomic.ts';
import { FRAME_HEADER_BYTES, frameParts, framePartsInSlices } from './file-checksummed.ts';
import {
  HARD_STATE_FILE,
  HARD_STATE_MAGIC,
  SNAPSHOT_MAGIC,
  logDirectory,
  readSnapshotFile,
  recoverLog,
  snapshotFileName,
  type LogDirectory,
} from './file-log-recovery.ts';
import { RecordBuffer, scanSegment, segmentFileName } from './file-segment-format.ts';

export interface FileLogStoreOptions {
  /** A segment stops receiving entries once it holds at least this many bytes. Default 64 MiB. */
  readonly segmentBytes?: number;
  /**
   * Zeros written ahead of the records of the segment receiving appends, so a sync's datasync does not
   * also have to persist a new file size (on ext4 about a third of its time). Default 1 MiB; 0 turns
   * it off. Never past `segmentBytes`.
   */
  readonly preallocateBytes?: number;
  /** Called after every sync that wrote something, with its duration and the bytes it wrote. */
  readonly onSync?: (latencyMs: number, bytes: number) => void;
  /** Receives one line per repaired torn tail. Default console.error. */
  readonly log?: (line: string) => void;
}

type FileHandle = Awaited<ReturnType<typeof open>>;

interface Segment {
  readonly firstIndex: number;
  readonly path: string;
  /** End of the records once every claimed sync has completed. */
  fileBytes: number;
  /** Size of the file on disk: the records plus the zeros preallocated after them. */
  allocatedBytes: number;
  /** From this offset on (<= fileBytes) the next sync replaces the file's content with `tail`. */
  dirtyFrom: number;
  /** Records not yet claimed by a sync; they start at `dirtyFrom`. */
  readonly tail: RecordBuffer;
  /** Whether the file exists or a claimed sync creates it. */
  created: boolean;
  /** Open while the segment receives writes; owned by the sync that is running. */
  handle: FileHandle | null;
}

interface SegmentWrite {
  readonly segment: Segment;
  readonly truncateTo: number | null;
  readonly position: number;
  readonly bytes: Uint8Array;
  readonly create: boolean;
}

/** A snapshot written in the background and the segments to delete once it is durable. */
interface Compaction {
  readonly snapshot: Snapshot;
  readonly obsolete: Segment[];
}

/** Everything one sync makes durable, claimed at its start. */
interface SyncJob {
  /** The log's last index when the job was claimed: durable once it completes, unless truncated meanwhile. */
  readonly lastIndex: number;
  /** The snapshot file to write: its body, framed (checksummed) by the job itself, in slices. */
  readonly snapshot: { readonly name: string; readonly body: Uint8Array[] } | null;
  readonly deleteSegments: Segment[];
  readonly deleteSnapshots: string[];
  readonly writes: SegmentWrite[];
  readonly hardState: Uint8Array[] | null;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_PREALLOCATE_BYTES = 1024 * 1024;

export class FileLogStore implements LogStore, FsyncCounter {
  /** Syncs that wrote something. */
  syncCount = 0;
  /** Every fsync, fdatasync and O_DSYNC segment write issued, including directories and temp files. */
  fsyncCount = 0;

  private readonly segmentBytes: number;
  private readonly preallocateBytes: number;
  private readonly onSync: ((latencyMs: number, bytes: number) => void) | undefined;
  private readonly log: (line: string) => void;

  private loaded = false;
  private closed = false;
  private failure: unknown = null;
  private running: Promise<void> | null = null;

  private snapshotIndex = 0;
  private snapshotTerm = 0;
  private lastIndex = 0;
  /** Terms and record offsets of the entries after the snapshot: slot i holds entry snapshotIndex + 1 + i. */
  private terms: number[] = [];
  private offsets: number[] = [];
  /** Segments holding those entries, in index order. The last one receives appends. */
  private segments: Segment[] = [];

  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private claimedHardState: HardState = this.hardState;
  private pendingSnapshot: Snapshot | null = null;
  /** Snapshot files that exist or are being written; after a sync, only the newest. */
  private snapshotFiles = new Set<string>();
  private currentSnapshotFile: string | null = null;
  /** Size of the newest snapshot's file (written or still to write). */
  private snapshotFileBytes = 0;
  private pendingDeletes: Segment[] = [];
  /** Every entry up to here is durable, in the log or in a durable snapshot. */
  private syncedLastIndex = 0;
  /** Lowest index removed (by a truncation or a snapshot that discarded the log) since the last claim. */
  private removedSinceClaim = Number.POSITIVE_INFINITY;
  /** Advances when a sync claims a snapshot: a compaction that started before it no longer becomes current. */
  private snapshotGeneration = 0;
  /** The background compactions' runner while one is running; the compaction waiting for it. */
  private compacting: Promise<void> | null = null;
  private queuedCompaction: Compaction | null = null;
  /** Whether the running sync writes a snapshot. */
  private writingClaimedSnapshot = false;

  private constructor(
    private readonly dir: LogDirectory,
    options: FileLogStoreOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.preallocateBytes = options.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES;
    this.onSync = options.onSync;
    this.log = options.log ?? ((line) => console.error(line));
  }

  /** Opens the store in `dir` (created if missing). Nothing is read until `load()`. */
  static async open(dir: string, options: FileLogStoreOptions = {}): Promise<FileLogStore> {
    if (options.segmentBytes !== undefined && !(options.segmentBytes > 0)) {
      throw new RangeError(`segmentBytes must be positive, got ${options.segmentBytes}`);
    }
    return new FileLogStore(logDirectory(dir), options);
  }

  async load(): Promise<RestoredState> {
    this.checkUsable();
    if (this.loaded) return this.readBack();
    const recovered = await recoverLog(this.dir, this.log, this);
    this.loaded = true;
    this.hardState = this.claimedHardState = recovered.hardState;
    this.snapshotIndex = recovered.snapshot?.meta.index ?? 0;
    this.snapshotTerm = recovered.snapshot?.meta.term ?? 0;
    this.lastIndex = this.snapshotIndex + recovered.entries.length;
    this.syncedLastIndex = this.lastIndex;
    this.terms = recovered.entries.map((entry) => entry.term);
    this.offsets = recovered.entryOffsets;
    this.segments = recovered.segments.map((segment) => ({
      firstIndex: segment.firstIndex,
      path: join(this.dir.log, segmentFileName(segment.firstIndex)),
      fileBytes: segment.bytes,
      allocatedBytes: segment.bytes,
      dirtyFrom: segment.bytes,
      tail: new RecordBuffer(),
      created: true,
      handle: null,
    }));
    this.currentSnapshotFile = recovered.snapshotFile;
    this.snapshotFileBytes = recovered.snapshotFileBytes;
    this.snapshotFiles = new Set(recovered.snapshotFile === null ? [] : [recovered.snapshotFile]);
    return { hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries };
  }

  append(entries: readonly Entry[]): void {
    this.checkWritable();
    if (entries.length === 0) return;
    assertAppendable(entries, this.snapshotIndex, this.lastIndex);
    if (entries[0]!.index <= this.lastIndex) this.truncateFrom(entries[0]!.index);
    for (const entry of entries) {
      let segment = this.segments.at(-1);
      if (segment === undefined || logicalBytes(segment) >= this.segmentBytes) {
        segment = this.newSegment(entry.index);
      }
      this.offsets.push(logicalBytes(segment));
      this.terms.push(entry.term);
      segment.tail.appendRecord(entry);
    }
    this.lastIndex = entries.at(-1)!.index;
  }

  setHardState(hardState: HardState): void {
    this.checkWritable();
    this.hardState = { ...hardState };
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.checkWritable();
    assertSnapshotNotOlder(snapshot, this.snapshotIndex);
    const { index, term } = snapshot.meta;
    const agrees =
      (index === this.snapshotIndex && term === this.snapshotTerm) ||
      (index > this.snapshotIndex && index <= this.lastIndex && this.terms[index - this.snapshotIndex - 1] === term);
    // Not while a sync's own snapshot is pending or being written: the two would race to be the newest file.
    const inBackground = agrees && index <= this.syncedLastIndex && this.pendingSnapshot === null && !this.writingClaimedSnapshot;
    if (agrees) {
      const covered = index - this.snapshotIndex;
      this.terms.splice(0, covered);
      this.offsets.splice(0, covered);
      const obsolete: Segment[] = [];
      while (this.segments.length > 0 && this.segmentLastIndex(0) <= index) obsolete.push(this.segments.shift()!);
      if (inBackground) this.queueCompaction({ snapshot, obsolete });
      else for (const segment of obsolete) this.dropSegment(segment);
    } else {
      for (const segment of this.segments) this.dropSegment(segment);
      this.segments = [];
      this.terms = [];
      this.offsets = [];
      this.lastIndex = index;
      this.noteRemovedFrom(1);
    }
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.snapshotFileBytes = snapshotFileBytes(snapshot);
    if (inBackground) return;
    this.pendingSnapshot = snapshot;
    // A compaction still waiting is older than this snapshot, which the next sync makes durable first.
    const waiting = this.queuedCompaction;
    this.queuedCompaction = null;
    for (const segment of waiting?.obsolete ?? []) this.dropSegment(segment);
  }

  async sync(options?: SyncOptions): Promise<void> {
    this.checkUsable();
    if (this.running !== null) throw new Error('FileLogStore.sync called while a sync is still running');
    const job = this.claim();
    if (job === null) {
      this.syncedLastIndex = this.lastIndex;
      return;
    }
    this.writingClaimedSnapshot = job.snapshot !== null;
    const run = this.runJob(job, options?.offThread === true);
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      await run;
      this.syncedLastIndex = Math.min(job.lastIndex, this.removedSinceClaim - 1);
    } catch (error) {
      this.failure = error;
      throw error;
    } finally {
      this.running = null;
      this.writingClaimedSnapshot = false;
    }
  }

  /** Resolves once no background compaction runs or waits (its file is durable, its deletions done). */
  async compacted(): Promise<void> {
    while (this.compacting !== null) await this.compacting;
  }

  sizeBytes(): { log: number; snapshot: number } {
    const log = this.segments.reduce((sum, segment) => sum + logicalBytes(segment), 0);
    return { log, snapshot: this.snapshotFileBytes };
  }

  /** Waits for a running sync, syncs what is still buffered and releases the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.running;
    await this.compacted();
    if (this.failure === null && this.loaded) await this.sync();
    await this.release();
  }

  /**
   * Releases the files and drops every unsynced write, as a process crash would (a running sync is
   * allowed to finish first). For tests and the crash harness; the store is unusable afterwards.
   */
  async abandon(): Promise<void> {
    await this.running;
    await this.compacted();
    await this.release();
  }

  // --- in-memory model ---------------------------------------------------------------------------

  private truncateFrom(index: number): void {
    const slot = index - this.snapshotIndex - 1;
    const position = this.segmentPosition(index);
    const segment = this.segments[position]!;
    for (const later of this.segments.splice(position + 1)) this.dropSegment(later);
    const offset = this.offsets[slot]!;
    if (offset >= segment.dirtyFrom) {
      segment.tail.truncate(offset - segment.dirtyFrom);
    } else {
      segment.dirtyFrom = offset;
      segment.tail.truncate(0);
    }
    this.terms.length = slot;
    this.offsets.length = slot;
    this.lastIndex = index - 1;
    this.noteRemovedFrom(index);
  }

  /** Entries from `index` on left the log: they are no longer durable, whatever a running sync wrote. */
  private noteRemovedFrom(index: number): void {
    this.syncedLastIndex = Math.min(this.syncedLastIndex, index - 1);
    this.removedSinceClaim = Math.min(this.removedSinceClaim, index);
  }

  private newSegment(firstIndex: number): Segment {
    const segment: Segment = {
      firstIndex,
      path: join(this.dir.log, segmentFileName(firstIndex)),
      fileBytes: 0,
      allocatedBytes: 0,
      dirtyFrom: 0,
      tail: new RecordBuffer(),
      created: false,
      handle: null,
    };
    this.segments.push(segment);
    return segment;
  }

  /** Forgets a segment; its file, if one exists or is being created, is deleted by the next sync. */
  private dropSegment(segment: Segment): void {
    if (segment.created) this.pendingDeletes.push(segment);
  }

  /** Position in `segments` of the segment holding entry `index`. */
  private segmentPosition(index: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.segments[middle]!.firstIndex <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private segmentLastIndex(position: number): number {
    const next = this.segments[position + 1];
    return next === undefined ? this.lastIndex : next.firstIndex - 1;
  }

  // --- sync --------------------------------------------------------------------------------------

  /** Takes every buffered write into a job; null when there is nothing to do. */
  private claim(): SyncJob | null {
    this.removedSinceClaim = Number.POSITIVE_INFINITY;
    const writes: SegmentWrite[] = [];
    for (const segment of this.segments) {
      if (segment.dirtyFrom === segment.fileBytes && segment.tail.length === 0) continue;
      const position = segment.dirtyFrom;
      const bytes = segment.tail.take();
      writes.push({
        segment,
        truncateTo: position < segment.fileBytes ? position : null,
        position,
        bytes,
        create: !segment.created,
      });
      segment.fileBytes = segment.dirtyFrom = position + bytes.byteLength;
      segment.created = true;
    }
    let snapshot: SyncJob['snapshot'] = null;
    let deleteSnapshots: string[] = [];
    if (this.pendingSnapshot !== null) {
      const name = snapshotFileName(this.pendingSnapshot.meta.index, this.pendingSnapshot.meta.term);
      snapshot = { name, body: [encodeSnapshotHeader(this.pendingSnapshot), this.pendingSnapshot.data] };
      deleteSnapshots = [...this.snapshotFiles].filter((file) => file !== name);
      this.snapshotFiles = new Set([name]);
      this.currentSnapshotFile = name;
      this.snapshotGeneration++;
      this.pendingSnapshot = null;
    }
    let hardState: Uint8Array[] | null = null;
    if (!sameHardState(this.hardState, this.claimedHardState)) {
      hardState = frameParts(HARD_STATE_MAGIC, [encodeHardState(this.hardState)]);
      this.claimedHardState = this.hardState;
    }
    const deleteSegments = this.pendingDeletes;
    this.pendingDeletes = [];
    const empty = writes.length === 0 && snapshot === null && hardState === null && deleteSegments.length === 0;
    return empty ? null : { lastIndex: this.lastIndex, snapshot, deleteSegments, deleteSnapshots, writes, hardState };
  }

  private async runJob(job: SyncJob, offThread: boolean): Promise<void> {
    const startedMs = performance.now();
    let bytes = 0;
    const stagedHardState: Promise<StagedFile> | null =
      job.hardState === null ? null : stageFile(this.dir.root, HARD_STATE_FILE, job.hardState, this);
    // Observed at the end; a failure before then must not surface as an unhandled rejection.
    stagedHardState?.catch(() => undefined);
    try {
      if (job.snapshot !== null) {
        // A compaction still being written is older: it finishes first, and this job deletes its file.
        await this.compacted();
        const parts = await framePartsInSlices(SNAPSHOT_MAGIC, job.snapshot.body);
        await replaceFileAtomically(this.dir.snapshots, job.snapshot.name, parts, this);
        bytes += parts.reduce((sum, part) => sum + part.byteLength, 0);
      }
      for (const segment of job.deleteSegments) {
        await this.closeHandle(segment);
        await unlinkIfPresent(segment.path);
      }
      for (const name of job.deleteSnapshots) await unlinkIfPresent(join(this.dir.snapshots, name));
      if (job.deleteSegments.length > 0) await fsyncDirectory(this.dir.log, this);
      let created = false;
      for (const write of job.writes) {
        bytes += await this.writeSegment(write, offThread);
        created ||= write.create;
      }
      if (created) await fsyncDirectory(this.dir.log, this);
      for (const write of job.writes) {
        if (write.segment !== this.segments.at(-1)) await this.closeHandle(write.segment);
      }
      if (stagedHardState !== null) {
        await (await stagedHardState).commit();
        bytes += job.hardState!.reduce((sum, part) => sum + part.byteLength, 0);
      }
    } finally {
      await stagedHardState?.catch(() => undefined);
    }
    this.syncCount++;
    try {
      this.onSync?.(performance.now() - startedMs, bytes);
    } catch (error) {
      // A metrics callback must not turn a durable sync into a failed one.
      this.log(`atlas storage: onSync callback threw: ${String(error)}`);
    }
  }

  // --- background compaction ---------------------------------------------------------------------

  private queueCompaction(compaction: Compaction): void {
    const waiting = this.queuedCompaction;
    this.queuedCompaction = waiting === null ? compaction : { snapshot: compaction.snapshot, obsolete: [...waiting.obsolete, ...compaction.obsolete] };
    this.compacting ??= this.runCompactions();
  }

  /** Writes the waiting compactions one after another; a failure makes the store unusable, like a failed sync. */
  private async runCompactions(): Promise<void> {
    try {
      for (let next = this.queuedCompaction; next !== null; next = this.queuedCompaction) {
        this.queuedCompaction = null;
        await this.writeCompaction(next);
      }
    } catch (error) {
      this.failure ??= error;
      this.log(`atlas storage: background snapshot write failed: ${String(error)}`);
    } finally {
      this.compacting = null;
    }
  }

  private async writeCompaction({ snapshot, obsolete }: Compaction): Promise<void> {
    const generation = this.snapshotGeneration;
    const name = snapshotFileName(snapshot.meta.index, snapshot.meta.term);
    this.snapshotFiles.add(name);
    const parts = await framePartsInSlices(SNAPSHOT_MAGIC, [encodeSnapshotHeader(snapshot), snapshot.data]);
    await replaceFileAtomically(this.dir.snapshots, name, parts, this);
    if (generation === this.snapshotGeneration) {
      // Still the newest durable snapshot: the older files go. (Otherwise a sync claimed a newer one,
      // and that sync deletes this file after writing its own.)
      const older = [...this.snapshotFiles].filter((file) => file !== name);
      this.snapshotFiles = new Set([name]);
      this.currentSnapshotFile = name;
      for (const file of older) await unlinkIfPresent(join(this.dir.snapshots, file));
    }
    for (const segment of obsolete) {
      await this.closeHandle(segment);
      await unlinkIfPresent(segment.path);
    }
    if (obsolete.length > 0) await fsyncDirectory(this.dir.log, this);
  }

  private async writeSegment(write: SegmentWrite, offThread: boolean): Promise<number> {
    const { segment } = write;
    segment.handle ??= await open(segment.path, SEGMENT_OPEN_FLAGS | (write.create ? constants.O_CREAT | constants.O_EXCL : 0), 0o666);
    if (write.truncateTo !== null) {
      // Durable before new records land where old ones were, so recovery never sees them interleaved.
      await segment.handle.truncate(write.truncateTo);
      await segment.handle.datasync();
      this.fsyncCount++;
      segment.allocatedBytes = write.truncateTo;
    }
    let bytes = write.bytes;
    const end = write.position + bytes.byteLength;
    if (end > segment.allocatedBytes) {
      // This write persists a new file size anyway: make room for the next records in the same one.
      // Zeros stop at segmentBytes and a segment takes records until they reach it, so only the last
      // segment ever has zeros after its records (which is all recovery accepts).
      const target = Math.max(end, Math.min(end + this.preallocateBytes, this.segmentBytes));
      if (target > end) {
        const withZeros = new Uint8Array(target - write.position);
        withZeros.set(bytes);
        bytes = withZeros;
      }
      segment.allocatedBytes = target;
    }
    // O_DSYNC: each write returns once its data (and the size it needs) is durable.
    if (offThread) await writeAll(segment.handle, bytes, write.position);
    else writeAllSync(segment.handle.fd, bytes, write.position);
    this.fsyncCount++;
    return write.bytes.byteLength;
  }

  private async closeHandle(segment: Segment): Promise<void> {
    const handle = segment.handle;
    segment.handle = null;
    await handle?.close();
  }

  // --- later loads and lifecycle -----------------------------------------------------------------

  /** The current view (synced plus buffered writes), read back from the files and the buffers. */
  private async readBack(): Promise<RestoredState> {
    await this.running;
    await this.compacted();
    this.checkUsable();
    const snapshot =
      this.pendingSnapshot ??
      (this.currentSnapshotFile === null ? null : await readSnapshotFile(this.dir, this.currentSnapshotFile));
    const entries: Entry[] = [];
    for (const [position, segment] of this.segments.entries()) {
      const bytes = new Uint8Array(segment.dirtyFrom + segment.tail.length);
      if (segment.dirtyFrom > 0) {
        await readPrefix(segment.path, bytes.subarray(0, segment.dirtyFrom));
      }
      bytes.set(segment.tail.contents(), segment.dirtyFrom);
      const expectedIndex = position === 0 ? this.snapshotIndex + 1 : segment.firstIndex;
      const start = position === 0 ? (this.offsets[0] ?? bytes.byteLength) : 0;
      entries.push(...scanSegment(segment.path, bytes, { start, expectedIndex, allowTornTail: false }).entries);
    }
    return { hardState: this.hardState, snapshot, entries };
  }

  private async release(): Promise<void> {
    this.closed = true;
    for (const segment of [...this.segments, ...this.pendingDeletes]) await this.closeHandle(segment);
  }

  private checkUsable(): void {
    if (this.closed) throw new Error('FileLogStore used after close');
    if (this.failure !== null) {
      throw new Error('FileLogStore is unusable after a failed sync; reopen it', { cause: this.failure });
    }
  }

  private checkWritable(): void {
    this.checkUsable();
    if (!this.loaded) throw new Error('FileLogStore: load() must be called before any write');
  }
}

/** Read-write, each write durable on return (write + datasync in one call). */
const SEGMENT_OPEN_FLAGS = constants.O_RDWR | constants.O_DSYNC;

/** `writeAllSync` on the thread pool. */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) done += (await handle.write(bytes, done, bytes.byteLength - done, position + done)).bytesWritten;
}

/** Writes all of `bytes` at `position` of `fd`, looping over short writes. */
function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
}

/** Fills `target` with the first `target.byteLength` bytes of the file at `path`. */
async function readPrefix(path: string, target: Uint8Array): Promise<void> {
  const handle = await open(path, 'r');
  try {
    let done = 0;
    while (done < target.byteLength) {
      const { bytesRead } = await handle.read(target, done, target.byteLength - done, done);
      if (bytesRead === 0) throw new Error(`${path} is shorter than the ${target.byteLength} bytes written to it`);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function logicalBytes(segment: Segment): number {
  return segment.dirtyFrom + segment.tail.length;
}

function snapshotFileBytes(snapshot: Snapshot): number {
  return FRAME_HEADER_BYTES + encodeSnapshotHeader(snapshot).byteLength + snapshot.data.byteLength;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
