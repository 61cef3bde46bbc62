// The leader's exactly-once publication protocol against a real 3-replica in-process cluster, with a
// recording sink per replica that can be made to fail: steady-state publication once per commit,
// and takeover by a new leader that publishes exactly what lies above the committed marker.

import { afterEach, describe, expect, it } from 'vitest';
import { startChatPublisher, type ChatPublicationSink, type ChatPublisher } from '../../actors/api/chat-publisher.ts';
import type { ChatMessage, OutboxPage } from '../../actors/machines/chat/commands.ts';
import type { NodeId } from '../../actors/raft/types.ts';
import { waitFor } from '../helpers/nats.ts';
import { ChatCluster } from './harness.ts';

type SinkMode = 'ok' | 'flush-hangs' | 'publish-fails';

interface Publication {
  readonly from: NodeId;
  readonly id: number;
}

class Publishers {
  readonly publications: Publication[] = [];
  readonly modes = new Map<NodeId, SinkMode>();
  private readonly running = new Map<NodeId, ChatPublisher>();

  constructor(private readonly chat: ChatCluster) {
    for (const id of chat.cluster.ids) this.start(id);
  }

  start(id: NodeId): void {
    const sink: ChatPublicationSink = {
      publish: (message: ChatMessage) => {
        if (this.modes.get(id) === 'publish-fails') throw new Error('NATS is unreachable');
        this.publications.push({ from: id, id: message.id });
      },
      flush: () => (this.modes.get(id) === 'flush-hangs' ? new Promise<void>(() => {}) : Promise.resolve()),
    };
    const replica = this.chat.cluster.replicas.get(id)!;
    this.running.set(id, startChatPublisher({ replica, chat: this.chat.chats.get(id)!, sink, markerIntervalMs: 5, retryMs: 20 }));
  }

  async crash(id: NodeId): Promise<void> {
    this.running.get(id)?.stop();
    this.running.delete(id);
    await this.chat.cluster.crash(id);
  }

  stopAll(): void {
    for (const publisher of this.running.values()) publisher.stop();
  }

  ids(from?: NodeId): number[] {
    return this.publications.filter((p) => from === undefined || p.from === from).map((p) => p.id);
  }
}

let chat: ChatCluster;
let publishers: Publishers;

async function start(): Promise<void> {
  chat = await ChatCluster.start();
  publishers = new Publishers(chat);
  const app = await chat.leaderApp();
  await post(app, '/v1/chat/login', { user: 'ann' });
  await post(app, '/v1/chat/channels', { channel: 'geral' });
}

afterEach(async () => {
  publishers?.stopAll();
  await chat?.stop();
});

async function post(app: ReturnType<ChatCluster['apps']['get']> & {}, path: string, body: unknown): Promise<any> {
  const res = await app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  const json = (await res.json()) as any;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function publish(count: number, text: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const app = await chat.leaderApp();
    ids.push((await post(app, '/v1/chat/channels/geral/messages', { user: 'ann', message: `${text} ${i}` })).id);
  }
  return ids;
}

async function outbox(): Promise<OutboxPage> {
  const leader = await chat.leader();
  return leader.machines.query('chat', { type: 'outbox' }) as OutboxPage;
}

const count = (ids: number[], id: number) => ids.filter((x) => x === id).length;

describe('chat publication from the leader', () => {
  it('publishes each committed message once, from the leader only, and commits a marker past it', async () => {
    await start();
    const leader = (await chat.leader()).id;
    const ids = await publish(5, 'steady');
    const app = await chat.leaderApp();
    ids.push((await post(app, '/v1/chat/users/ann/messages', { src: 'ann', message: 'private' })).id);
    await waitFor(() => ids.every((id) => publishers.ids().includes(id)), 'every message published');
    await waitFor(async () => (await outbox()).publishedUpTo >= ids.at(-1)!, 'the published marker to commit');
    await new Promise((r) => setTimeout(r, 200));
    expect(publishers.ids()).toEqual(ids);
    expect(new Set(publishers.publications.map((p) => p.from))).toEqual(new Set([leader]));
    expect((await outbox()).messages).toEqual([]);
  });

  it('a new leader publishes what the old one published without committing a marker, and nothing else again', async () => {
    await start();
    const covered = await publish(3, 'before');
    await waitFor(async () => (await outbox()).publishedUpTo >= covered.at(-1)!, 'the first marker to commit');
    const oldLeader = (await chat.leader()).id;
    publishers.modes.set(oldLeader, 'flush-hangs');
    const uncovered = await publish(3, 'in the window');
    await waitFor(() => uncovered.every((id) => publishers.ids(oldLeader).includes(id)), 'the old leader to publish');
    await new Promise((r) => setTimeout(r, 100));
    expect((await outbox()).publishedUpTo).toBe(covered.at(-1));

    await publishers.crash(oldLeader);
    const newLeader = (await chat.cluster.waitForLeader(10_000)).id;
    expect(newLeader).not.toBe(oldLeader);
    await waitFor(() => uncovered.every((id) => publishers.ids(newLeader).includes(id)), 'the new leader to republish', 10_000);
    const after = await publish(2, 'after');
    await waitFor(() => after.every((id) => publishers.ids(newLeader).includes(id)), 'new messages to be published');
    await waitFor(async () => (await outbox()).publishedUpTo >= after.at(-1)!, 'the new leader marker');

    const all = publishers.ids();
    for (const id of covered) expect(count(all, id), `id ${id} was covered by a marker`).toBe(1);
    for (const id of uncovered) expect(count(all, id), `id ${id} is republished once, by the new leader`).toBe(2);
    for (const id of after) expect(count(all, id)).toBe(1);
    expect(publishers.ids(newLeader)).toEqual([...uncovered, ...after]);
  });

  it('a new leader publishes what the old one could not publish at all: nothing committed is lost', async () => {
    await start();
    const oldLeader = (await chat.leader()).id;
    publishers.modes.set(oldLeader, 'publish-fails');
    const unpublished = await publish(4, 'nats down');
    await new Promise((r) => setTimeout(r, 100));
    expect(publishers.ids()).toEqual([]);
    expect((await outbox()).messages.map((m) => m.id)).toEqual(unpublished);

    await publishers.crash(oldLeader);
    const newLeader = (await chat.cluster.waitForLeader(10_000)).id;
    await waitFor(() => unpublished.every((id) => publishers.ids().includes(id)), 'the new leader to publish the backlog', 10_000);
    await waitFor(async () => (await outbox()).messages.length === 0, 'the backlog to be marked published');
    expect(publishers.publications).toEqual(unpublished.map((id) => ({ from: newLeader, id })));
  });
});
