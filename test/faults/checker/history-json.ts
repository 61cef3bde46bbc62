import type { History, HistoryEntry } from './history.ts';

/**
 * JSON form of a history: an array of entries as in history.ts, except that an infinite `ret`
 * (unknown outcome) is written as `null`, which JSON can hold.
 */
export function encodeHistory(history: History): string {
  return JSON.stringify(
    history.map((entry) => ({ ...entry, ret: Number.isFinite(entry.ret) ? entry.ret : null })),
    null,
    1,
  );
}

export function decodeHistory(text: string): History {
  const raw: unknown = JSON.parse(text);
  if (!Array.isArray(raw)) throw new Error('a history is a JSON array of entries');
  return raw.map((entry: HistoryEntry & { ret: number | null }) => ({
    ...entry,
    ret: entry.ret === null ? Number.POSITIVE_INFINITY : entry.ret,
  })) as History;
}
