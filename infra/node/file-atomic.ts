// Atomic replacement of small files: write `<name>.tmp`, fsync it, rename it over `<name>`, fsync the
// directory. After a crash the file holds either the old or the new content, never a mix; a leftover
// `.tmp` is garbage to delete at the next open.

import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Counts every fsync/fdatasync issued on behalf of one store, for metrics and tests. */
export interface FsyncCounter {
  fsyncCount: number;
}

export const TEMP_SUFFIX = '.tmp';

/** A temp file that is complete and durable but not yet visible under its final name. */
export interface StagedFile {
  /** Renames the temp file over the final name and fsyncs the directory. */
  commit(): Promise<void>;
}

/** Writes `parts` to `<dir>/<name>.tmp` with one write call and fsyncs it. */
export async function stageFile(
  dir: string,
  name: string,
  parts: readonly Uint8Array[],
  counter: FsyncCounter,
): Promise<StagedFile> {
  const tempPath = join(dir, name + TEMP_SUFFIX);
  const handle = await open(tempPath, 'w');
  try {
    await writeAll(handle, parts);
    await handle.sync();
    counter.fsyncCount++;
  } finally {
    await handle.close();
  }
  return {
    async commit() {
      await rename(tempPath, join(dir, name));
      await fsyncDirectory(dir, counter);
    },
  };
}

export async function replaceFileAtomically(
  dir: string,
  name: string,
  parts: readonly Uint8Array[],
  counter: FsyncCounter,
): Promise<void> {
  await (await stageFile(dir, name, parts, counter)).commit();
}

/** Makes creations, renames and deletions of `dir`'s entries durable. */
export async function fsyncDirectory(dir: string, counter: FsyncCounter): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
    counter.fsyncCount++;
  } finally {
    await handle.close();
  }
}

/** Deletes `path`; a file that is already gone is not an error. */
export async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

type WritableHandle = Awaited<ReturnType<typeof open>>;

/** Writes `parts` back to back from the handle's current position, retrying short writes. */
async function writeAll(handle: WritableHandle, parts: readonly Uint8Array[]): Promise<void> {
  for (const part of parts) {
    let done = 0;
    while (done < part.byteLength) {
      const { bytesWritten } = await handle.write(part, done, part.byteLength - done, null);
      done += bytesWritten;
    }
  }
}
