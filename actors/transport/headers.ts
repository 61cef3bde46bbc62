// NATS headers every Atlas message carries, so `nats sub --headers` and `atlas tap` can show traffic
// without decoding bodies. Consensus messages carry all four; API replies, events and chat carry
// `Atlas-Type` and `Atlas-Lamport` (and `Atlas-From` when a replica sent them). Header values are
// informative: the body stays authoritative, and a receiver drops a consensus message whose headers
// disagree with its body.

import { headers as natsHeaders } from '@nats-io/nats-core';
import type { Match, Msg, MsgHdrs } from '@nats-io/nats-core';
import type { Message } from '../raft/types.ts';
import { ByteSlab } from '../codec/byte-slab.ts';

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

/**
 * The headers for `values`. Publishing only needs their wire form, which is written straight from the
 * values (no header map, no per-key validation); any other use (get, set, iteration) builds the
 * client's own header object on first call and works on it from then on.
 */
export function atlasHeaders(values: AtlasHeaderValues): MsgHdrs {
  return new AtlasHeaders(values);
}

const HEADER_LINE_BREAK = /[\r\n]/;
const TEXT = new TextEncoder();
/** Header blocks are published, then dropped. */
const headerSlab = new ByteSlab();

/** `text` as UTF-8: written by hand into the slab when it is ASCII (every Atlas header block is). */
function encodeAscii(text: string): Uint8Array {
  const bytes = headerSlab.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) return TEXT.encode(text);
    bytes[i] = unit;
  }
  return bytes;
}

class AtlasHeaders implements MsgHdrs {
  private built: MsgHdrs | null = null;

  constructor(private readonly given: AtlasHeaderValues) {
    // The same refusal the client's own header object makes, so no value can break the block.
    if (HEADER_LINE_BREAK.test(given.type) || (given.from !== undefined && HEADER_LINE_BREAK.test(given.from))) {
      throw new Error('invalid header value: values cannot contain \\r or \\n');
    }
  }

  /** The wire form: `NATS/1.0`, one `Key: value` line per header, a blank line (as nats-core writes it). */
  encode(): Uint8Array {
    if (this.built !== null) return (this.built as MsgHdrs & { encode(): Uint8Array }).encode();
    const v = this.given;
    return encodeAscii(headerBlock(v.type.trim(), v.from?.trim(), v.term, v.lamport));
  }

  private get headers(): MsgHdrs {
    if (this.built === null) {
      const h = natsHeaders();
      h.set(ATLAS_HEADER.type, this.given.type);
      if (this.given.from !== undefined) h.set(ATLAS_HEADER.from, this.given.from);
      if (this.given.term !== undefined) h.set(ATLAS_HEADER.term, String(this.given.term));
      h.set(ATLAS_HEADER.lamport, String(this.given.lamport));
      this.built = h;
    }
    return this.built;
  }

  get hasError(): boolean {
    return this.headers.hasError;
  }
  get status(): string {
    return this.headers.status;
  }
  get code(): number {
    return this.headers.code;
  }
  get description(): string {
    return this.headers.description;
  }
  get(k: string, match?: Match): string {
    return this.headers.get(k, match);
  }
  set(k: string, v: string, match?: Match): void {
    this.headers.set(k, v, match);
  }
  append(k: string, v: string, match?: Match): void {
    this.headers.append(k, v, match);
  }
  has(k: string, match?: Match): boolean {
    return this.headers.has(k, match);
  }
  keys(): string[] {
    return this.headers.keys();
  }
  values(k: string, match?: Match): string[] {
    return this.headers.values(k, match);
  }
  delete(k: string, match?: Match): void {
    this.headers.delete(k, match);
  }
  last(k: string, match?: Match): string {
    return this.headers.last(k, match);
  }
  [Symbol.iterator](): Iterator<[string, string[]]> {
    return this.headers[Symbol.iterator]();
  }
}

/** The four headers of a consensus message, taken from its body. */
export function consensusHeaders(message: Message): MsgHdrs {
  return atlasHeaders({ type: message.type, from: message.from, term: message.term, lamport: message.lamport });
}

/** The header block Atlas writes for these values (values as given: the caller trims). */
function headerBlock(type: string, from: string | undefined, term: number | undefined, lamport: number): string {
  let block = `NATS/1.0\r\n${ATLAS_HEADER.type}: ${type}`;
  if (from !== undefined) block += `\r\n${ATLAS_HEADER.from}: ${from}`;
  if (term !== undefined) block += `\r\n${ATLAS_HEADER.term}: ${term}`;
  return `${block}\r\n${ATLAS_HEADER.lamport}: ${lamport}\r\n\r\n`;
}

/**
 * True when a received consensus message's headers agree with its body. A message whose raw header
 * block is byte for byte the block Atlas writes for that body (what every Atlas sender sends) passes
 * without parsing it; anything else is parsed and compared header by header (headersMatchMessage), so
 * the answer is the same either way.
 */
export function receivedHeadersMatch(msg: Msg, message: Message): boolean {
  const raw = rawHeaderBlock(msg);
  if (raw !== null && equalsAscii(raw, headerBlock(message.type, message.from, message.term, message.lamport))) return true;
  return headersMatchMessage(msg.headers, message);
}

/**
 * The undecoded header block of a message received by nats-core (its MsgImpl keeps the payload with
 * the headers in front, and their length); null when the object does not have that shape, and the
 * caller parses instead.
 */
export function rawHeaderBlock(msg: Msg): Uint8Array | null {
  const impl = msg as unknown as { readonly _rdata?: unknown; readonly _msg?: { readonly hdr?: unknown } };
  const data = impl._rdata;
  const length = impl._msg?.hdr;
  if (!(data instanceof Uint8Array) || typeof length !== 'number' || length <= 0 || length > data.byteLength) return null;
  return data.subarray(0, length);
}

/** `bytes` is exactly `text` as ASCII (false for any other character, so non-ASCII text takes the parser). */
function equalsAscii(bytes: Uint8Array, text: string): boolean {
  if (bytes.byteLength !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
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
