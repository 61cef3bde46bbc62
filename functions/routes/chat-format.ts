// JSON shapes of the chat routes. A message renders exactly as its NATS publication body (id, seq,
// channel+user or src+dst, message, clock, timestamp as ISO 8601, timestampMs). Every response adds
// `clock` and `timestamp`: for a write, the committed entry's Lamport clock and log time; for a
// read, the serving replica's clock after the read and the serving process's time.

import { publicationBody } from '../../actors/api/chat-publication.ts';
import type { ChatMessage, MessagePage } from '../../actors/machines/chat/commands.ts';

export function renderMessage(message: ChatMessage): Record<string, unknown> {
  return publicationBody(message);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function renderPage(page: MessagePage): Record<string, unknown> {
  return { messages: page.messages.map(renderMessage), next: page.next, firstSeq: page.firstSeq, lastSeq: page.lastSeq };
}

export function formatMessageEvent(message: ChatMessage): string {
  return `event: message\nid: ${message.seq}\ndata: ${JSON.stringify(renderMessage(message))}\n\n`;
}

export function formatSyncedEvent(seq: number): string {
  return `event: synced\nid: ${seq}\ndata: ${JSON.stringify({ seq })}\n\n`;
}

export function formatEndEvent(reason: string): string {
  return `event: end\ndata: ${JSON.stringify({ reason })}\n\n`;
}

export const CHAT_HEARTBEAT = ': ping\n\n';
