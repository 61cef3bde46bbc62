import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { ATLAS_HEADER, atlasHeaders, consensusHeaders, headersMatchMessage } from '../../actors/transport/headers.ts';
import type { Message } from '../../actors/raft/types.ts';

const vote: Message = { type: 'Vote', from: 'r1', to: 'r2', term: 12, lamport: 345, lastLogIndex: 9, lastLogTerm: 11, transfer: false };

describe('Atlas headers', () => {
  it('uses the exact contract names', () => {
    expect(ATLAS_HEADER).toEqual({ type: 'Atlas-Type', from: 'Atlas-From', term: 'Atlas-Term', lamport: 'Atlas-Lamport' });
  });

  it('builds the four consensus headers from the body', () => {
    const h = consensusHeaders(vote);
    expect(h.get('Atlas-Type')).toBe('Vote');
    expect(h.get('Atlas-From')).toBe('r1');
    expect(h.get('Atlas-Term')).toBe('12');
    expect(h.get('Atlas-Lamport')).toBe('345');
    expect(headersMatchMessage(h, vote)).toBe(true);
  });

  it('builds event headers without From and Term when not given', () => {
    const h = atlasHeaders({ type: 'leader', lamport: 7 });
    expect(h.keys().sort()).toEqual(['Atlas-Lamport', 'Atlas-Type']);
  });

  it('detects missing or disagreeing headers', () => {
    expect(headersMatchMessage(undefined, vote)).toBe(false);
    expect(headersMatchMessage(headers(), vote)).toBe(false);
    for (const [key, value] of [['Atlas-From', 'r9'], ['Atlas-Term', '13'], ['Atlas-Type', 'Append'], ['Atlas-Lamport', '1']] as const) {
      const h = consensusHeaders(vote);
      h.set(key, value);
      expect(headersMatchMessage(h, vote), key).toBe(false);
    }
  });

  it('writes the same wire form as the NATS client header object, and follows later changes', () => {
    const wire = (h: unknown) => new TextDecoder().decode((h as { encode(): Uint8Array }).encode());
    const reference = (pairs: [string, string][]) => {
      const h = headers();
      for (const [k, v] of pairs) h.set(k, v);
      return wire(h);
    };
    expect(wire(consensusHeaders(vote))).toBe(
      reference([['Atlas-Type', 'Vote'], ['Atlas-From', 'r1'], ['Atlas-Term', '12'], ['Atlas-Lamport', '345']]),
    );
    expect(wire(atlasHeaders({ type: 'kv.put.reply', from: 'r2', lamport: 9 }))).toBe(
      reference([['Atlas-Type', 'kv.put.reply'], ['Atlas-From', 'r2'], ['Atlas-Lamport', '9']]),
    );
    expect(wire(atlasHeaders({ type: 'leader', lamport: 0 }))).toBe('NATS/1.0\r\nAtlas-Type: leader\r\nAtlas-Lamport: 0\r\n\r\n');
    // Non-ASCII values take the UTF-8 encoder; every block is its own bytes, not shared with the next one.
    const accented = atlasHeaders({ type: 'chat.message', from: 'réplica-ü', lamport: 7 });
    const plain = atlasHeaders({ type: 'chat.message', from: 'r3', lamport: 8 });
    const accentedBytes = (accented as unknown as { encode(): Uint8Array }).encode();
    const plainBytes = (plain as unknown as { encode(): Uint8Array }).encode();
    expect(new TextDecoder().decode(accentedBytes)).toBe(reference([['Atlas-Type', 'chat.message'], ['Atlas-From', 'réplica-ü'], ['Atlas-Lamport', '7']]));
    expect(wire(plain)).toBe(reference([['Atlas-Type', 'chat.message'], ['Atlas-From', 'r3'], ['Atlas-Lamport', '8']]));
    expect(new TextDecoder().decode(accentedBytes)).toContain('réplica-ü');
    expect(plainBytes.byteLength).toBe('NATS/1.0\r\nAtlas-Type: chat.message\r\nAtlas-From: r3\r\nAtlas-Lamport: 8\r\n\r\n'.length);
    const changed = atlasHeaders({ type: 'leader', lamport: 1 });
    changed.set('Atlas-Lamport', '2');
    expect(wire(changed)).toBe(reference([['Atlas-Type', 'leader'], ['Atlas-Lamport', '2']]));
  });

  it('refuses a value that would break the header block', () => {
    expect(() => atlasHeaders({ type: 'x\r\nEvil: 1', lamport: 1 })).toThrow(/\\r or \\n/);
    expect(() => atlasHeaders({ type: 'ok', from: 'r1\n', lamport: 1 })).toThrow(/\\r or \\n/);
  });
});
