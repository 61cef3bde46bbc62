// Local notifications of the chat machine: each stored message as it is applied, and a reset when a
// snapshot replaces the state. Local to one replica and never replicated; listeners run synchronously
// inside apply, in log order, so they must not throw (a throw is reported, never propagated).

import type { ChatMessage } from './commands.ts';

export type ChatNotice =
  | { readonly type: 'message'; readonly message: ChatMessage }
  /** The state was replaced by a snapshot: streams behind it may have missed messages. */
  | { readonly type: 'reset' };

export type ChatListener = (notice: ChatNotice) => void;

export class ChatNotifier {
  private readonly listeners = new Set<ChatListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** Returns the unsubscribe function. */
  subscribe(listener: ChatListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  notify(notice: ChatNotice): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(notice);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
