// `atlas verify [--data DIR | --url URL] [--json]`: checks the ledger's hash chain and every seal's
// signature. Offline (--data) it reads a copy of a replica's data directory and trusts nothing but the
// files: verification starts at genesis, or at the chain head the newest snapshot recorded. Online
// (--url) it asks a replica or gateway (GET /v1/log/verify). Offline, every entry the log holds is
// checked: the durable commit index lags (it is written lazily), and a valid seal proves commitment.
// Exit codes: 0 verified, 1 verification failed (or the URL could not answer), 2 usage,
// 3 the data directory is damaged below the ledger (the storage error names file and offset).

import { GENESIS_ANCHOR } from '../../actors/ledger/ledger.ts';
import { toHex } from '../../actors/ledger/hex.ts';
import { anchorFromSnapshot } from '../../actors/ledger/snapshot-anchor.ts';
import { verifyLedger, type LedgerReport } from '../../actors/ledger/verify.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import { readDataDir } from '../node/read-data-dir.ts';
import { flag, UsageError, type ParsedArgs } from './args.ts';

export interface VerifyIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
}

/** What an offline check adds to the report: where the data came from. */
export interface DataDirReport extends LedgerReport {
  readonly snapshotFile: string | null;
  /**
   * Checked entries above both the durable commit index and the last seal: a replica's log may hold
   * entries that never commit (a deposed leader's tail); nothing vouches for these yet.
   */
  readonly uncommitted: number;
  readonly tornTail: { readonly file: string; readonly offset: number; readonly detail: string } | null;
  /** This data directory's own public key, and the member it is registered for, if any. */
  readonly identity: { readonly publicKey: string; readonly registeredAs: string | null } | null;
}

export async function runVerify(args: ParsedArgs, io: VerifyIo = process): Promise<number> {
  // An explicit flag wins over the environment (ATLAS_DATA_DIR, then ATLAS_URL).
  const explicitUrl = args.flags.get('url');
  const dataDir = typeof explicitUrl === 'string' ? undefined : flag(args, 'data', 'ATLAS_DATA_DIR');
  const url = flag(args, 'url', 'ATLAS_URL');
  const json = args.flags.get('json') === true;
  if (dataDir !== undefined && dataDir !== '') {
    let report: DataDirReport;
    try {
      report = await verifyDataDir(dataDir);
    } catch (error) {
      if (!(error instanceof StorageCorruptionError)) throw error;
      io.stderr.write(`atlas verify: ${error.message}\n`);
      return 3;
    }
    if (report.tornTail) io.stderr.write(`atlas verify: note: unfinished write at the end of ${report.tornTail.file} (offset ${report.tornTail.offset}) ignored\n`);
    return print(report, json, io);
  }
  if (url === undefined || url === '') throw new UsageError('atlas verify needs --data DIR (offline) or --url URL (online)');
  const token = flag(args, 'token', 'ATLAS_TOKEN');
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/+$/, '')}/v1/log/verify`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    io.stderr.write(`atlas verify: cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const body = (await response.json().catch(() => null)) as (LedgerReport & { error?: { message?: string } }) | null;
  if (!response.ok || body === null || typeof body.ok !== 'boolean') {
    io.stderr.write(`atlas verify: ${url} answered ${response.status}: ${body?.error?.message ?? 'not a verification report'}\n`);
    return 1;
  }
  return print(body, json, io);
}

/** Verifies a data directory offline. Throws StorageCorruptionError when a file fails its own checks. */
export async function verifyDataDir(dir: string): Promise<DataDirReport> {
  const contents = await readDataDir(dir);
  const anchor = contents.snapshot === null ? GENESIS_ANCHOR : anchorFromSnapshot(contents.snapshot).anchor;
  const report = await verifyLedger(anchor, contents.entries);
  const own = contents.publicKey === null ? null : toHex(contents.publicKey);
  return {
    ...report,
    snapshotFile: contents.snapshotFile,
    uncommitted: Math.max(0, report.head.index - Math.max(contents.hardState.commit, report.sealedThrough)),
    tornTail: contents.tornTail,
    identity: own === null ? null : { publicKey: own, registeredAs: Object.entries(report.keys).find(([, key]) => key === own)?.[0] ?? null },
  };
}

function print(report: LedgerReport, json: boolean, io: VerifyIo): number {
  if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${summary(report)}\n`);
  return report.ok ? 0 : 1;
}

export function summary(report: LedgerReport): string {
  const range = report.anchor.index === 0 ? 'from genesis' : `after the snapshot at ${report.anchor.index}`;
  if (report.failure) {
    return `FAILED at index ${report.failure.index}: ${report.failure.reason} (${report.checked} entries checked ${range})`;
  }
  const signers = report.signers.length > 0 ? ` by ${report.signers.join(', ')}` : '';
  return (
    `ok: ${report.checked} entries checked ${range}; head ${report.head.index} ${report.head.hash}; ` +
    `sealed through ${report.sealedThrough} (${report.unsealed} unsealed), ${report.seals} seals${signers}`
  );
}
