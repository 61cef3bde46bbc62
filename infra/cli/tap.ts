// `atlas tap [SUBJECT]`: a live, decoded view of the cluster's NATS traffic (msgpack -> readable).

import { decode } from '@msgpack/msgpack';
import { connect } from '@nats-io/transport-node';
import type { Msg } from '@nats-io/nats-core';
import { bytesToJson } from '../../actors/api/json-values.ts';
import { detectFormat } from '../../actors/api/wire.ts';
import { decodeMessage } from '../../actors/transport/codec.ts';
import { DEFAULT_CLUSTER } from '../../actors/transport/subjects.ts';
import { natsAuthFromEnv, natsConnectOptions } from '../node/nats-connect.ts';
import { flag, type ParsedArgs } from './args.ts';
import { onShutdown } from './shutdown.ts';

export async function runTap(args: ParsedArgs): Promise<number> {
  const cluster = flag(args, 'cluster', 'ATLAS_CLUSTER', DEFAULT_CLUSTER)!;
  const subject = args.positional[0] ?? `atlas.${cluster}.>`;
  const natsUrl = flag(args, 'nats', 'ATLAS_NATS_URL', 'nats://127.0.0.1:4222')!;
  const nc = await connect(natsConnectOptions(natsUrl, natsAuthFromEnv(), 'atlas-tap'));
  console.error(`tapping ${subject} on ${natsUrl} (Ctrl-C to stop)`);
  nc.subscribe(subject, {
    callback: (error, msg) => {
      if (!error) console.log(describe(msg));
    },
  });
  return new Promise<number>((resolve) => onShutdown(async () => {
    await nc.drain();
    resolve(0);
  }));
}

/** One line: time, subject, Atlas headers, decoded body. */
export function describe(msg: Msg): string {
  const headers: string[] = [];
  if (msg.headers) for (const [k, v] of msg.headers) if (k.startsWith('Atlas-')) headers.push(`${k}=${v.join(',')}`);
  return `${new Date().toISOString().slice(11, 23)} ${msg.subject} [${headers.join(' ')}] ${body(msg)}`;
}

function body(msg: Msg): string {
  if (msg.subject.includes('.raft.')) {
    const decoded = decodeMessage(msg.data);
    if (!decoded.ok) return `<undecodable: ${decoded.reason}>`;
    const m = decoded.message;
    if (m.type === 'Append') {
      const { entries, ...rest } = m;
      return JSON.stringify({ ...rest, entries: entries.map((e) => `${e.index}/${e.term}(${e.data.byteLength}B)`) });
    }
    if (m.type === 'InstallSnapshot') return JSON.stringify({ ...m, chunk: `${m.chunk.byteLength} bytes` });
    return JSON.stringify(m);
  }
  if (msg.data.byteLength === 0) return '';
  try {
    const value = detectFormat(msg.data) === 'json' ? JSON.parse(new TextDecoder().decode(msg.data)) : decode(msg.data);
    return JSON.stringify(bytesToJson(value));
  } catch {
    return `<${msg.data.byteLength} bytes>`;
  }
}
