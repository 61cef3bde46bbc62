// Read-only queries over the KV state. Local: they read this replica's applied state (the caller
// decides whether that is linearizable by waiting for a read index first).

import type { ExpireTarget, KvEntryView, KvListItem, KvListResult, KvQuery, KvQueryResults, TombstoneView } from './commands.ts';
import { compareKeys } from './keys.ts';
import type { KvState } from './state.ts';

export function runKvQuery(state: KvState, query: KvQuery): KvQueryResults[keyof KvQueryResults] {
  switch (query.type) {
    case 'get':
      return getEntry(state, query.key);
    case 'list':
      return listEntries(state, query.prefix ?? '', query.after, query.limit ?? 100);
    case 'revision':
      return { revision: state.revision };
    case 'expired':
      return { keys: expiredKeys(state, query.nowMs, query.limit ?? 100) };
    case 'tombstone':
      return getTombstone(state, query.key);
  }
}

export function getEntry(state: KvState, key: string): KvEntryView | null {
  const entry = state.live.get(key);
  return entry ? { key, ...entry } : null;
}

export function getTombstone(state: KvState, key: string): TombstoneView | null {
  const tombstone = state.tombstones.get(key);
  return tombstone ? { key, ...tombstone } : null;
}

/** Keys starting with `prefix` and strictly after `after`, in key order. */
export function listEntries(state: KvState, prefix: string, after: string | undefined, limit: number): KvListResult {
  const items: KvListItem[] = [];
  let more = false;
  // Keys >= prefix, or > after when that comes later: the two starts of the old sorted-array search.
  const afterFirst = after !== undefined && compareKeys(after, prefix) >= 0;
  state.keyIndex.walkFrom(afterFirst ? after : prefix, afterFirst, (key) => {
    if (!key.startsWith(prefix)) return false;
    if (items.length === limit) {
      more = true;
      return false;
    }
    const entry = state.live.get(key)!;
    items.push({ key, revision: entry.modRevision, value: entry.value });
    return true;
  });
  return { items, next: more && items.length > 0 ? items[items.length - 1]!.key : null, revision: state.revision };
}

/** Live keys whose TTL passed at `nowMs`: soonest expiry first, then key order. Reads only those keys. */
export function expiredKeys(state: KvState, nowMs: number, limit: number): ExpireTarget[] {
  const due: ExpireTarget[] = [];
  state.expiry.walkDue(nowMs, ({ key }) => {
    due.push({ key, modRevision: state.live.get(key)!.modRevision });
    return due.length < limit;
  });
  return due;
}
