// The chat machine through a real MachineHost: validation, apply rules (clock and timestamps from the
// entry, never the wall clock), errors, retention, the publication outbox and snapshots.

import { describe, expect, it } from 'vitest';
import { encodeCanonical } from '../../actors/machines/codec.ts';
import { encodeCommand } from '../../actors/machines/envelope.ts';
import { MachineHost } from '../../actors/machines/host.ts';
import type { ApplyOutcome } from '../../actors/machines/host.ts';
import { createChatMachine, type ChatMachine, type ChatMachineOptions } from '../../actors/machines/chat/machine.ts';
import type { ChatNotice } from '../../actors/machines/chat/notices.ts';
import type { MessagePage, OutboxPage } from '../../actors/machines/chat/commands.ts';

const START_MS = 1_700_000_000_000;

class ChatNode {
  readonly host = new MachineHost();
  readonly chat: ChatMachine;
  readonly notices: ChatNotice[] = [];
  index = 0;

  constructor(options: ChatMachineOptions = {}) {
    this.chat = createChatMachine(options);
    this.host.register(this.chat);
    this.chat.subscribe((notice) => this.notices.push(notice));
  }

  /** Validates like the leader, then applies at the next index with lamport = 1000 + index. */
  propose(command: unknown): ApplyOutcome {
    const validated = this.host.validate('chat', command);
    this.index++;
    const data = encodeCommand({ machine: 'chat', command: validated, logTimeMs: START_MS + this.index });
    return this.host.apply({ index: this.index, term: 1, lamport: 1000 + this.index, data });
  }

  ok(command: unknown): any {
    const outcome = this.propose(command);
    expect(outcome.error).toBeUndefined();
    return outcome.result;
  }

  query(query: unknown): any {
    return this.host.query('chat', query);
  }
}

function rejected(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('chat machine', () => {
  it('logs users in (again: recorded, not refused) with the entry clock and log time', () => {
    const node = new ChatNode();
    expect(node.ok({ type: 'login', user: 'alice' })).toEqual({ user: 'alice', created: true, logins: 1, clock: 1001, timestampMs: START_MS + 1 });
    expect(node.ok({ type: 'login', user: 'bob' })).toMatchObject({ created: true });
    expect(node.ok({ type: 'login', user: 'alice' })).toEqual({ user: 'alice', created: false, logins: 2, clock: 1003, timestampMs: START_MS + 3 });
    expect(node.query({ type: 'users' })).toEqual({ users: ['alice', 'bob'] });
  });

  it('creates channels once: a duplicate is precondition_failed and changes nothing', () => {
    const node = new ChatNode();
    node.ok({ type: 'createChannel', channel: 'tech' });
    node.ok({ type: 'createChannel', channel: 'geral' });
    const duplicate = node.propose({ type: 'createChannel', channel: 'tech' });
    expect(duplicate.error).toEqual({ code: 'precondition_failed', message: 'channel "tech" already exists' });
    expect(node.query({ type: 'channels' })).toEqual({ channels: ['geral', 'tech'] });
  });

  it('rejects malformed commands and names before the log', () => {
    const node = new ChatNode({ maxMessageBytes: 8 });
    for (const bad of ['', 'a.b', 'a b', '*', '>', 'x'.repeat(65), 'ção', 42, null]) {
      expect(rejected(() => node.host.validate('chat', { type: 'login', user: bad })).code).toBe('bad_request');
    }
    expect(rejected(() => node.host.validate('chat', { type: 'login', user: 'a', extra: 1 })).message).toMatch(/unknown field "extra"/);
    expect(rejected(() => node.host.validate('chat', { type: 'shout' })).code).toBe('bad_request');
    expect(rejected(() => node.host.validate('chat', { type: 'publish', channel: 'c', user: 'u', message: '' })).code).toBe('bad_request');
    const long = rejected(() => node.host.validate('chat', { type: 'publish', channel: 'c', user: 'u', message: 'ééééé' }));
    expect(long).toMatchObject({ code: 'too_large', message: 'message is 10 bytes; the limit is 8' });
    expect(node.host.validate('chat', { type: 'login', user: 'A-z_0-9' })).toEqual({ type: 'login', user: 'A-z_0-9' });
  });

  it('publishes on existing channels by logged-in users, numbering each channel 1, 2, 3', () => {
    const node = new ChatNode();
    node.ok({ type: 'login', user: 'alice' });
    node.ok({ type: 'createChannel', channel: 'geral' });
    node.ok({ type: 'createChannel', channel: 'tech' });
    expect(node.propose({ type: 'publish', channel: 'nope', user: 'alice', message: 'hi' }).error).toEqual({
      code: 'not_found',
      message: 'channel "nope" does not exist',
    });
    expect(node.propose({ type: 'publish', channel: 'geral', user: 'mallory', message: 'hi' }).error?.code).toBe('precondition_failed');
    const first = node.ok({ type: 'publish', channel: 'geral', user: 'alice', message: 'Olá!' });
    expect(first).toEqual({ kind: 'channel', id: 6, seq: 1, channel: 'geral', user: 'alice', message: 'Olá!', clock: 1006, timestampMs: START_MS + 6 });
    expect(node.ok({ type: 'publish', channel: 'tech', user: 'alice', message: 'x' })).toMatchObject({ id: 7, seq: 1 });
    expect(node.ok({ type: 'publish', channel: 'geral', user: 'alice', message: 'y' })).toMatchObject({ id: 8, seq: 2 });
    expect(node.notices.map((n) => (n.type === 'message' ? [n.message.id, n.message.seq] : n.type))).toEqual([[6, 1], [7, 1], [8, 2]]);
  });

  it('delivers private messages to existing users only, from logged-in users only', () => {
    const node = new ChatNode();
    node.ok({ type: 'login', user: 'alice' });
    node.ok({ type: 'login', user: 'bob' });
    expect(node.propose({ type: 'send', src: 'alice', dst: 'carol', message: 'hi' }).error?.code).toBe('not_found');
    expect(node.propose({ type: 'send', src: 'carol', dst: 'bob', message: 'hi' }).error?.code).toBe('precondition_failed');
    expect(node.ok({ type: 'send', src: 'alice', dst: 'bob', message: 'Oi!' })).toEqual({
      kind: 'private', id: 5, seq: 1, src: 'alice', dst: 'bob', message: 'Oi!', clock: 1005, timestampMs: START_MS + 5,
    });
    const inbox = node.query({ type: 'inbox', user: 'bob' }) as MessagePage;
    expect(inbox.messages.map((m) => m.message)).toEqual(['Oi!']);
    expect((node.query({ type: 'inbox', user: 'alice' }) as MessagePage).messages).toEqual([]);
    expect(rejected(() => node.query({ type: 'inbox', user: 'carol' })).code).toBe('not_found');
  });

  it('pages history with after/limit/next and trims the oldest beyond the retention', () => {
    const node = new ChatNode({ maxChannelHistory: 5 });
    node.ok({ type: 'login', user: 'u' });
    node.ok({ type: 'createChannel', channel: 'c' });
    for (let i = 1; i <= 8; i++) node.ok({ type: 'publish', channel: 'c', user: 'u', message: `m${i}` });
    const first = node.query({ type: 'history', channel: 'c', limit: 2 }) as MessagePage;
    expect(first.messages.map((m) => m.seq)).toEqual([4, 5]);
    expect(first).toMatchObject({ next: 5, firstSeq: 4, lastSeq: 8 });
    const second = node.query({ type: 'history', channel: 'c', after: 5, limit: 2 }) as MessagePage;
    expect(second.messages.map((m) => m.message)).toEqual(['m6', 'm7']);
    const last = node.query({ type: 'history', channel: 'c', after: 7, limit: 2 }) as MessagePage;
    expect(last.messages.map((m) => m.seq)).toEqual([8]);
    expect(last.next).toBeNull();
    expect((node.query({ type: 'history', channel: 'c', after: Number.MAX_SAFE_INTEGER }) as MessagePage).messages).toEqual([]);
    expect(rejected(() => node.query({ type: 'history', channel: 'c', limit: 0 })).code).toBe('bad_request');
    expect(rejected(() => node.query({ type: 'history', channel: 'zz' })).code).toBe('not_found');
  });

  it('keeps unpublished messages in the outbox until a published marker covers them', () => {
    const node = new ChatNode();
    node.ok({ type: 'login', user: 'alice' });
    node.ok({ type: 'createChannel', channel: 'c' });
    node.ok({ type: 'publish', channel: 'c', user: 'alice', message: 'a' });
    node.ok({ type: 'send', src: 'alice', dst: 'alice', message: 'b' });
    node.ok({ type: 'publish', channel: 'c', user: 'alice', message: 'c' });
    const outbox = () => node.query({ type: 'outbox' }) as OutboxPage;
    expect(outbox().messages.map((m) => m.id)).toEqual([3, 4, 5]);
    expect(outbox().publishedUpTo).toBe(0);
    expect((node.query({ type: 'outbox', after: 3 }) as OutboxPage).messages.map((m) => m.id)).toEqual([4, 5]);
    expect(node.ok({ type: 'published', upTo: 4 })).toEqual({ publishedUpTo: 4 });
    expect(outbox().messages.map((m) => m.id)).toEqual([5]);
    expect(node.ok({ type: 'published', upTo: 2 })).toEqual({ publishedUpTo: 4 });
    // A marker never covers entries after itself (index 8 here).
    expect(node.ok({ type: 'published', upTo: 1_000 })).toEqual({ publishedUpTo: 7 });
    expect(outbox().messages).toEqual([]);
  });

  it('evicts the oldest unpublished messages from a full outbox and counts them', () => {
    const node = new ChatNode({ maxOutbox: 2 });
    node.ok({ type: 'login', user: 'u' });
    node.ok({ type: 'createChannel', channel: 'c' });
    for (let i = 0; i < 4; i++) node.ok({ type: 'publish', channel: 'c', user: 'u', message: `m${i}` });
    expect(node.query({ type: 'outbox' })).toMatchObject({ publishedUpTo: 4, droppedUnpublished: 2 });
    expect((node.query({ type: 'outbox' }) as OutboxPage).messages.map((m) => m.id)).toEqual([5, 6]);
  });

  it('snapshots to bytes that depend only on the state, and restores an equal state', () => {
    const build = (order: string[]) => {
      const node = new ChatNode({ maxChannelHistory: 3 });
      for (const user of order) node.ok({ type: 'login', user });
      for (const channel of order) node.ok({ type: 'createChannel', channel: `ch-${channel}` });
      for (let i = 0; i < 5; i++) node.ok({ type: 'publish', channel: 'ch-a', user: 'b', message: `m${i}` });
      node.ok({ type: 'send', src: 'a', dst: 'b', message: 'psst' });
      node.ok({ type: 'published', upTo: 8 });
      return node;
    };
    // Logged in b first: the state's maps iterate b, a; a restored state iterates a, b.
    const one = build(['b', 'a']);
    const two = build(['b', 'a']);
    expect(one.host.snapshot()).toEqual(two.host.snapshot());

    const restored = new ChatNode({ maxChannelHistory: 3 });
    restored.host.restore(one.host.snapshot());
    expect(restored.notices).toEqual([{ type: 'reset' }]);
    expect([...restored.host.snapshot()]).toEqual([...one.host.snapshot()]);
    expect(restored.query({ type: 'users' })).toEqual({ users: ['a', 'b'] });
    expect(restored.query({ type: 'history', channel: 'ch-a' })).toEqual(one.query({ type: 'history', channel: 'ch-a' }));
    expect(restored.query({ type: 'inbox', user: 'b' })).toEqual(one.query({ type: 'inbox', user: 'b' }));
    expect(restored.query({ type: 'outbox' })).toEqual(one.query({ type: 'outbox' }));
    expect((restored.query({ type: 'outbox' }) as OutboxPage).messages.length).toBeGreaterThan(0);
  });

  it('encodes equal content to equal bytes whatever order users and channels arrived in', () => {
    const chat = createChatMachine();
    const build = (names: string[]) => {
      const state = chat.init();
      const ctx = { index: 1, term: 1, lamport: 5, logTimeMs: START_MS };
      for (const name of names) {
        chat.apply(state, { type: 'login', user: name }, ctx);
        chat.apply(state, { type: 'createChannel', channel: name }, ctx);
      }
      return encodeCanonical(chat.snapshot(state));
    };
    expect([...build(['a', 'b', 'c'])]).toEqual([...build(['c', 'a', 'b'])]);
  });

  it('refuses a corrupt snapshot with an invariant error', () => {
    const node = new ChatNode();
    const restoreMachine = () => node.chat.restore({ users: [['bad name', 0, 0, 1, { firstSeq: 1, lastSeq: 0, messages: [] }]], channels: [], outbox: [], publishedUpTo: 0, droppedUnpublished: 0 });
    expect(restoreMachine).toThrow(/invariant: chat snapshot user name is invalid/);
    expect(() => node.chat.restore({ users: [], channels: [['c', 0, 0, { firstSeq: 1, lastSeq: 2, messages: [] }]], outbox: [], publishedUpTo: 0, droppedUnpublished: 0 })).toThrow(
      /bounds do not match/,
    );
  });
});
