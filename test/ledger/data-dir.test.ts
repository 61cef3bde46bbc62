import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../actors/ledger/hex.ts';
import type { Replica } from '../../actors/replica/replica.ts';
import { parseArgs } from '../../infra/cli/args.ts';
import { runVerify, verifyDataDir } from '../../infra/cli/verify.ts';
import { RECORD_HEADER_BYTES } from '../../infra/node/file-segment-format.ts';
import { flipDataByte } from './log-builder.ts';
import { readRecords, startFileReplica, writeRecords } from './file-replica.ts';

const enc = new TextEncoder();
const dirs: string[] = [];
let written: string;
let compacted: string;
let publicKey: string;
/** Indexes of kv puts covered by a seal in `written`. */
let sealedPuts: number[];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atlas-ledger-'));
  dirs.push(dir);
  return dir;
}

async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not met in time: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Writes `count` puts, waits until a seal covers them and stops the replica cleanly. */
async function writeDir(dir: string, count: number, snapshotEveryEntries?: number): Promise<{ replica: Replica; puts: number[] }> {
  const replica = await startFileReplica(dir, snapshotEveryEntries !== undefined ? { snapshotEveryEntries } : {});
  await waitFor(() => replica.role === 'leader', () => `leader (role ${replica.role})`);
  const puts: number[] = [];
  for (let i = 0; i < count; i++) puts.push((await replica.propose('kv', { type: 'put', key: `k${i}`, value: enc.encode(`value ${i}`) })).index);
  await waitFor(
    () => (replica.ledger.state.lastSeal?.upTo ?? 0) >= puts.at(-1)!,
    () => `a seal covering ${puts.at(-1)} (applied ${replica.appliedIndex}, last seal ${JSON.stringify(replica.ledger.state.lastSeal)}, chain base ${replica.ledger.chain.baseIndex}, failed ${String(replica.failed)})`,
  );
  await new Promise((r) => setTimeout(r, 50));
  await replica.stop();
  return { replica, puts };
}

async function copyOf(dir: string): Promise<string> {
  const copy = await freshDir();
  await cp(dir, copy, { recursive: true });
  return copy;
}

async function onlySegment(dir: string): Promise<string> {
  const names = (await readdir(join(dir, 'log'))).filter((n) => n.endsWith('.seg'));
  expect(names).toHaveLength(1);
  return join(dir, 'log', names[0]!);
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

beforeAll(async () => {
  written = await freshDir();
  const { replica, puts } = await writeDir(written, 40);
  publicKey = toHex(replica.publicKey);
  sealedPuts = puts;
  compacted = await freshDir();
  await writeDir(compacted, 120, 25);
}, 60_000);

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('atlas verify --data on a data directory written by a replica', () => {
  it('verifies the chain from genesis and recognises the directory\'s own registered key', async () => {
    const report = await verifyDataDir(written);
    expect(report).toMatchObject({ ok: true, anchor: { index: 0 }, signers: ['r1'], identity: { publicKey, registeredAs: 'r1' } });
    expect(report.sealedThrough).toBeGreaterThanOrEqual(sealedPuts.at(-1)!);
    expect(report.checked).toBeGreaterThanOrEqual(sealedPuts.at(-1)! + 1);

    const { out, io } = capture();
    expect(await runVerify(parseArgs(['--data', written]), io)).toBe(0);
    expect(out.stdout).toMatch(/^ok: \d+ entries checked from genesis; head \d+ [0-9a-f]{64}; sealed through \d+/);
    // The zeros the store preallocates after the records are no unfinished write.
    expect(out.stderr).toBe('');
    const json = capture();
    expect(await runVerify(parseArgs(['--data', written, '--json']), json.io)).toBe(0);
    expect(JSON.parse(json.out.stdout)).toMatchObject({ ok: true, checked: report.checked, head: report.head });
  });

  it('names the entry in which one byte was flipped (with its record checksum recomputed)', async () => {
    const dir = await copyOf(written);
    const segment = await onlySegment(dir);
    const target = sealedPuts[17]!;
    const records = await readRecords(segment);
    await writeRecords(segment, records.map((r) => (r.entry.index === target ? flipDataByte(r.entry, 30) : r.entry)));
    const report = await verifyDataDir(dir);
    expect(report.ok).toBe(false);
    expect(report.failure).toEqual({ index: target, reason: expect.stringMatching(new RegExp(`entry ${target} does not match the hash sealed by r1`)) });

    const { out, io } = capture();
    expect(await runVerify(parseArgs(['--data', dir]), io)).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`^FAILED at index ${target}: `));
  });

  it('leaves a flipped byte whose checksum no longer matches to the storage layer, which names file and offset', async () => {
    const dir = await copyOf(written);
    const segment = await onlySegment(dir);
    const target = sealedPuts[5]!;
    const record = (await readRecords(segment)).find((r) => r.entry.index === target)!;
    const bytes = new Uint8Array(await readFile(segment));
    bytes[record.offset + RECORD_HEADER_BYTES + 35] ^= 0x10;
    await writeFile(segment, bytes);
    const { out, io } = capture();
    expect(await runVerify(parseArgs(['--data', dir]), io)).toBe(3);
    expect(out.stderr).toContain(`storage corrupted: ${segment} at offset ${record.offset}: crc32c mismatch`);
  });

  it('names the first of two entries whose places in the log were swapped', async () => {
    const dir = await copyOf(written);
    const segment = await onlySegment(dir);
    const [a, b] = [sealedPuts[10]!, sealedPuts[11]!];
    const records = await readRecords(segment);
    const entryA = records.find((r) => r.entry.index === a)!.entry;
    const entryB = records.find((r) => r.entry.index === b)!.entry;
    await writeRecords(
      segment,
      records.map((r) => (r.entry.index === a ? { ...entryB, index: a } : r.entry.index === b ? { ...entryA, index: b } : r.entry)),
    );
    const report = await verifyDataDir(dir);
    expect(report.failure?.index).toBe(a);
  });

  it('stays verifiable after compaction: the snapshot records the chain head it starts from', async () => {
    const report = await verifyDataDir(compacted);
    expect(report.ok).toBe(true);
    expect(report.snapshotFile).toMatch(/^\d+-\d+\.snap$/);
    expect(report.anchor.index).toBeGreaterThan(0);
    expect(report.seals).toBeGreaterThan(0);
    expect(report.identity?.registeredAs).toBe('r1');
  });
});
