// NATS headers every Atlas message carries, so `nats sub --headers` and `atlas tap` can show traffic
// without decoding bodies. Consensus messages carry all four; API replies, events and chat carry
// `Atlas-Type` and `Atlas-Lamport` (and `Atlas-From` when a replica sent them). Header values are
// informative: the body stays authoritative, and a receiver drops a consensus message whose headers
// disagree with its body.

import { headers as natsHeaders } from '@nats-io/nats-core';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { Message } from '../raft/types.ts';

export const ATLAS_HEADER = {
  type: 'Atlas-Type',
  from: 'Atlas-From',
  term: 'Atlas-Term',
  lamport: 'Atlas-Lamport',
} as const;

export interface AtlasHeaderValues {
  readonly type: string;
  readonly from?: string;
  readonly term?: number;
  readonly lamport: number;
}

export function atlasHeaders(values: AtlasHeaderValues): MsgHdrs {
  const h = natsHeaders();
  h.set(ATLAS_HEADER.type, values.type);
  if (values.from !== undefined) h.set(ATLAS_HEADER.from, values.from);
  if (values.term !== undefined) h.set(ATLAS_HEADER.term, String(values.term));
  h.set(ATLAS_HEADER.lamport, String(values.lamport));
  return h;
}

/** The four headers of a consensus message, taken from its body. */
export function consensusHeaders(message: Message): MsgHdrs {
  return atlasHeaders({ type: message.type, from: message.from, term: message.term, lamport: message.lamport });
}

/** True when all four headers are present and agree with the body. */
export function headersMatchMessage(h: MsgHdrs | undefined, message: Message): boolean {
  if (h === undefined) return false;
  return (
    h.get(ATLAS_HEADER.type) === message.type &&
    h.get(ATLAS_HEADER.from) === message.from &&
    h.get(ATLAS_HEADER.term) === String(message.term) &&
    h.get(ATLAS_HEADER.lamport) === String(message.lamport)
  );
}
