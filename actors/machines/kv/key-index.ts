// The KV machine's ordered index of live keys, in compareKeys order (see SortedChunks for the cost
// model: inserts and deletes stay cheap at millions of keys).

import { compareKeys } from './keys.ts';
import { SortedChunks } from './sorted-chunks.ts';

export class KeyIndex extends SortedChunks<string> {
  constructor() {
    super(compareKeys);
  }
}
