import { readFile, writeFile } from 'node:fs/promises';
import type { History } from './history.ts';
import { decodeHistory, encodeHistory } from './history-json.ts';

/** Node-only: saves a history as JSON (see history-json.ts) so a failing run can be re-checked. */
export async function writeHistory(path: string, history: History): Promise<void> {
  await writeFile(path, encodeHistory(history), 'utf8');
}

export async function readHistory(path: string): Promise<History> {
  return decodeHistory(await readFile(path, 'utf8'));
}
