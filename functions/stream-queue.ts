// A bounded queue between a backend's synchronous stream callbacks and an SSE writer that drains at
// its own pace. Data items count toward `maxData`; a reader that falls that far behind gets an `end`
// item (it resumes from Last-Event-ID) instead of unbounded buffering. Used by watch and chat streams.

export type EndItem = { readonly type: 'end'; readonly reason: string };

/** `idle` when nothing arrived within the wait; `closed` once the queue was closed. */
export type StreamTake<Item> = Item | EndItem | { readonly type: 'idle' } | { readonly type: 'closed' };

export class StreamQueue<Item extends { readonly type: string }> {
  private items: (Item | EndItem)[] = [];
  private dataQueued = 0;
  private ended = false;
  private closed = false;
  private wake: (() => void) | null = null;

  /** `dataType`: the item type that counts toward `maxData`; `behind` names what the reader fell behind on. */
  constructor(
    private readonly maxData: number,
    private readonly dataType: Item['type'],
    private readonly behind: string,
  ) {}

  /** Queues a data item, or ends the stream when the reader is `maxData` items behind. */
  pushData(item: Item): void {
    if (this.ended) return;
    if (this.dataQueued >= this.maxData) {
      this.end(`the reader fell more than ${this.maxData} ${this.behind} behind; resume from Last-Event-ID`);
      return;
    }
    this.dataQueued++;
    this.push(item);
  }

  /** Queues a control item (synced markers); dropped after the end. */
  pushControl(item: Item): void {
    if (!this.ended) this.push(item);
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.push({ type: 'end', reason });
  }

  /** Stops the queue: the writer's pending and future takes return `closed`. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** The next item, waiting at most `idleMs` (then `idle`). One taker at a time. */
  async take(idleMs: number): Promise<StreamTake<Item>> {
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
    if (item.type === this.dataType) this.dataQueued--;
    return item;
  }

  private push(item: Item | EndItem): void {
    this.items.push(item);
    this.wake?.();
  }
}
