// The backup download behind GET /v1/snapshot, in two API operations that work over NATS too (one
// reply is at most BACKUP_CHUNK_BYTES, far below NATS's 1 MB payload limit):
//   snapshot.begin {}                -> { token, index, term, lamport }  after a linearizable read barrier
//                                       the replica captures its state at once and encodes it in
//                                       slices in the background;
//   snapshot.read { token, offset }  -> { bytes, size, done } a chunk of the backup file
//                                       (backup-file.ts), or { pending: true } while it is still being
//                                       encoded after PENDING_WAIT_MS (short, so these calls stay
//                                       as quick as others for the gateway's latency-based retries).
// A backup is held for HOLD_MS after its last read, at most MAX_HELD at once; a token the replica does
// not hold (expired, or the leader changed between calls) answers not_found: begin again.

import { encodeBackup, type BackupMeta, type CapturedBackup } from '../backup/backup-file.ts';
import { encodeInSlices } from '../machines/snapshot-build.ts';
import { ApiError, ApiErrorCode } from './errors.ts';

export const BACKUP_CHUNK_BYTES = 512 * 1024;
const HOLD_MS = 60_000;
const MAX_HELD = 2;
/** Longest a read waits for the encoding before answering pending. */
const PENDING_WAIT_MS = 100;
/** Longest one slice of encoding holds the thread (as for the replica's own snapshots). */
const SLICE_MS = 8;

interface HeldBackup {
  readonly meta: BackupMeta;
  file: Uint8Array | null;
  failure: unknown;
  readonly encoded: Promise<void>;
  expiresAtMs: number;
}

export type BackupReadReply = { readonly pending: true } | { readonly bytes: Uint8Array; readonly size: number; readonly done: boolean };

export class BackupSessions {
  private readonly held = new Map<string, HeldBackup>();

  constructor(private readonly now: () => number = Date.now) {}

  begin(captured: CapturedBackup): { token: string } & BackupMeta {
    this.dropExpired();
    if (this.held.size >= MAX_HELD) {
      throw new ApiError(ApiErrorCode.Unavailable, `${MAX_HELD} backups are already being downloaded from this replica; retry later`);
    }
    const token = randomToken();
    const backup: HeldBackup = { meta: captured.meta, file: null, failure: null, encoded: Promise.resolve(), expiresAtMs: this.now() + HOLD_MS };
    (backup as { encoded: Promise<void> }).encoded = encodeInSlices(captured.build, SLICE_MS).then(
      (encoded) => {
        backup.file = encodeBackup({ ...captured.meta, data: encoded!.data });
      },
      (error: unknown) => {
        backup.failure = error;
      },
    );
    this.held.set(token, backup);
    return { token, ...captured.meta };
  }

  async read(request: Record<string, unknown>, deadline: number): Promise<BackupReadReply> {
    const token = request.token;
    const offset = request.offset ?? 0;
    if (typeof token !== 'string') throw new ApiError(ApiErrorCode.BadRequest, 'token must be the string snapshot.begin returned');
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw new ApiError(ApiErrorCode.BadRequest, 'offset must be a non-negative integer');
    }
    const backup = this.held.get(token);
    if (backup === undefined) throw new ApiError(ApiErrorCode.NotFound, 'this replica holds no backup with that token (expired, or another leader answered): begin again');
    backup.expiresAtMs = this.now() + HOLD_MS;
    if (backup.file === null && backup.failure === null) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waitMs = Math.max(0, Math.min(PENDING_WAIT_MS, deadline - this.now() - 50));
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      await Promise.race([backup.encoded, timeout]);
      clearTimeout(timer);
    }
    if (backup.failure !== null) {
      this.held.delete(token);
      throw new ApiError(ApiErrorCode.Internal, `encoding the backup failed: ${String(backup.failure)}`);
    }
    if (backup.file === null) return { pending: true };
    const file = backup.file;
    if (offset > file.byteLength) throw new ApiError(ApiErrorCode.BadRequest, `offset ${offset} is past the backup's ${file.byteLength} bytes`);
    const end = Math.min(file.byteLength, offset + BACKUP_CHUNK_BYTES);
    if (end === file.byteLength) this.held.delete(token);
    return { bytes: file.subarray(offset, end), size: file.byteLength, done: end === file.byteLength };
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [token, backup] of this.held) if (backup.expiresAtMs <= now) this.held.delete(token);
  }
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
