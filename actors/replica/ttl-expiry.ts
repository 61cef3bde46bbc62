// TTL expiry is decided by the leader and committed through the log, so every replica deletes an
// expired key at the same revision (and watchers see the delete). The leader asks its KV state which
// keys expired by its clock and proposes one `expire` command for them; the command re-checks each
// key against the log time at apply, so a key rewritten meanwhile survives.

import type { ExpireTarget } from '../machines/kv/commands.ts';
import type { MachineHost } from '../machines/host.ts';

export const KV_EXPIRE_BATCH = 100;

/** Keys to expire now, or null when there are none (or no KV machine is registered). */
export function expiredKeys(machines: MachineHost, nowMs: number): ExpireTarget[] | null {
  if (!machines.has('kv')) return null;
  const { keys } = machines.query('kv', { type: 'expired', nowMs, limit: KV_EXPIRE_BATCH }) as { keys: readonly ExpireTarget[] };
  return keys.length > 0 ? [...keys] : null;
}
