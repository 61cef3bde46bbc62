// ActorStorage on one file, for replicas hosted by Node: `<dir>/actor-storage` holds the whole map,
// serialized with the structured clone algorithm (node:v8) and checksummed; `sync()` replaces it
// atomically when anything changed. Meant for small metadata (identity keys, cluster membership).

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { MapActorStorage } from '../../actors/storage/map-actor-storage.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import { replaceFileAtomically, unlinkIfPresent, TEMP_SUFFIX, type FsyncCounter } from './file-atomic.ts';
import { FRAME_HEADER_BYTES, fileMagic, frameParts, unframe } from './file-checksummed.ts';

const FILE_NAME = 'actor-storage';
const MAGIC = fileMagic('ATKV');

export class FileActorStorage extends MapActorStorage implements FsyncCounter {
  fsyncCount = 0;
  private syncedVersion = 0;
  /** Serializes syncs: each one writes the map as it is when it starts. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    initial: ReadonlyMap<string, unknown>,
  ) {
    super(initial);
  }

  /** Opens (creating `dir` if needed) and reads the map; a damaged file raises StorageCorruptionError. */
  static async open(dir: string): Promise<FileActorStorage> {
    await mkdir(dir, { recursive: true });
    await unlinkIfPresent(join(dir, FILE_NAME + TEMP_SUFFIX));
    const path = join(dir, FILE_NAME);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FileActorStorage(dir, new Map());
      throw error;
    }
    const body = unframe(path, bytes, MAGIC);
    let map: unknown;
    try {
      map = deserialize(body);
    } catch (error) {
      throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, `cannot deserialize: ${(error as Error).message}`);
    }
    if (!(map instanceof Map)) throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, 'content is not a Map');
    return new FileActorStorage(dir, map as Map<string, unknown>);
  }

  async sync(): Promise<void> {
    const next = this.chain.then(() => this.writeIfChanged());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async writeIfChanged(): Promise<void> {
    const version = this.version;
    if (version === this.syncedVersion) return;
    const body = serialize(this.entries);
    await replaceFileAtomically(this.dir, FILE_NAME, frameParts(MAGIC, [body]), this);
    this.syncedVersion = version;
  }
}
