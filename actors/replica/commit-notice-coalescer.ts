// Holds a leader's empty Appends briefly so a following Append can carry their news instead.
//
// When the commit index moves and a follower already has every entry, the core sends it an empty
// Append whose only news is the new commit index. Under closed-loop load the next client writes
// arrive within a millisecond of the replies that commit released, so a second Append, with entries
// and a commit index at least as high, follows almost at once: the empty one (and the follower's
// response to it) was about half of all consensus traffic. Each empty Append therefore waits up to
// `delayMs`; any Append or snapshot chunk to the same replica in that time supersedes it, else it
// goes out when the wait ends. A ReadIndexResponse releases the notice for its follower at once,
// since a follower read waits for the commit to reach it, and so does a notice `urgent` says a
// follower waits for (the commit of writes it forwarded, which it answers from its own apply).
//
// Safety does not depend on it: a superseded empty Append is exactly a message the network lost, with
// its consistency check repeated by the later Append (same or later prevIndex, commit no lower). The
// cost is that a follower learns a commit up to `delayMs` later when no write or read follows.

import type { Append, Message, NodeId } from '../raft/types.ts';

export const COMMIT_NOTICE_DELAY_MS = 5;

type Timer = ReturnType<typeof setTimeout>;

export class CommitNoticeCoalescer {
  private readonly held = new Map<NodeId, Message>();
  private timer: Timer | null = null;
  private closed = false;

  constructor(
    private readonly sendNow: (messages: readonly Message[]) => void,
    private readonly delayMs = COMMIT_NOTICE_DELAY_MS,
    /** Whether an empty Append must go at once (its follower is waiting for that commit). */
    private readonly urgent: (notice: Append) => boolean = () => false,
  ) {}

  /** Sends `messages` except empty Appends, which wait (see above). Order among the rest is kept. */
  send(messages: readonly Message[]): void {
    if (this.closed) return;
    let out: Message[] | null = null;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (m.type === 'Append' && m.entries.length === 0) {
        if (this.urgent(m)) {
          this.held.delete(m.to);
          out?.push(m);
          continue;
        }
        this.held.set(m.to, m);
        out ??= messages.slice(0, i);
        continue;
      }
      if (m.type === 'Append' || m.type === 'InstallSnapshot') this.held.delete(m.to);
      else if (m.type === 'ReadIndexResponse') {
        // A follower serving a read waits until it applied the read index: give it the commit now.
        const notice = this.held.get(m.to);
        if (notice) {
          this.held.delete(m.to);
          out ??= messages.slice(0, i);
          out.push(notice);
        }
      }
      out?.push(m);
    }
    const toSend = out ?? messages;
    if (toSend.length > 0) this.sendNow(toSend);
    if (this.held.size > 0 && this.timer === null) this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  /** Sends every held notice now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.held.size === 0 || this.closed) return;
    const notices = [...this.held.values()];
    this.held.clear();
    this.sendNow(notices);
  }

  /** Drops held notices and sends nothing more. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.held.clear();
  }
}
