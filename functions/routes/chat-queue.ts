// Buffers a chat stream's callbacks for the SSE writer. The backend calls the sink synchronously; the
// writer drains at its own pace. A reader that falls `maxMessages` behind is ended (it resumes from
// Last-Event-ID), never buffered without bound.

import type { ChatStreamSink } from '../../actors/api/chat-stream.ts';
import type { ChatMessage } from '../../actors/machines/chat/commands.ts';

export type ChatStreamItem =
  | { readonly type: 'message'; readonly message: ChatMessage }
  | { readonly type: 'synced'; readonly seq: number }
  | { readonly type: 'end'; readonly reason: string };

/** `idle` when nothing arrived within the wait; `closed` once the queue was closed. */
export type ChatStreamTake = ChatStreamItem | { readonly type: 'idle' } | { readonly type: 'closed' };

export class ChatStreamQueue implements ChatStreamSink {
  private items: ChatStreamItem[] = [];
  private queuedMessages = 0;
  private ended = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly maxMessages: number) {}

  message(message: ChatMessage): void {
    if (this.ended) return;
    if (this.queuedMessages >= this.maxMessages) {
      this.end(`the reader fell more than ${this.maxMessages} messages behind; resume from Last-Event-ID`);
      return;
    }
    this.queuedMessages++;
    this.push({ type: 'message', message });
  }

  synced(seq: number): void {
    if (!this.ended) this.push({ type: 'synced', seq });
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.push({ type: 'end', reason });
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** The next item, waiting at most `idleMs`. One taker at a time. */
  async take(idleMs: number): Promise<ChatStreamTake> {
    if (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, idleMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
    if (this.closed) return { type: 'closed' };
    const item = this.items.shift();
    if (!item) return { type: 'idle' };
    if (item.type === 'message') this.queuedMessages--;
    return item;
  }

  private push(item: ChatStreamItem): void {
    this.items.push(item);
    this.wake?.();
  }
}
