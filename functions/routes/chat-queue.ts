// Buffers a chat stream's callbacks for the SSE writer. A reader `maxMessages` behind is ended (it
// resumes from Last-Event-ID), never buffered without bound.

import type { ChatStreamSink } from '../../actors/api/chat-stream.ts';
import type { ChatMessage } from '../../actors/machines/chat/commands.ts';
import { StreamQueue, type StreamTake } from '../stream-queue.ts';

export type ChatStreamItem =
  | { readonly type: 'message'; readonly message: ChatMessage }
  | { readonly type: 'synced'; readonly seq: number }
  | { readonly type: 'end'; readonly reason: string };

export type ChatStreamTake = StreamTake<ChatStreamItem>;

export class ChatStreamQueue extends StreamQueue<ChatStreamItem> implements ChatStreamSink {
  constructor(maxMessages: number) {
    super(maxMessages, 'message', 'messages');
  }

  message(message: ChatMessage): void {
    this.pushData({ type: 'message', message });
  }

  synced(seq: number): void {
    this.pushControl({ type: 'synced', seq });
  }
}
