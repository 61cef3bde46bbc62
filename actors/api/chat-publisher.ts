// Publishes committed chat messages on NATS from the leader, once per commit.
//
// Protocol. The replicated chat state keeps `publishedUpTo` (a log index) and an outbox of the stored
// messages above it. Only a leader publishes, and only after a read barrier in its term (a
// linearizable no-op read), so it has applied everything committed before it led, including every
// `published` marker of earlier leaders. It then publishes the outbox in id order, as each message
// is applied, and afterwards, once NATS has acknowledged the publishes (`flush`), it proposes
// `published { upTo }` with the highest id it published. A new leader starts above the committed
// marker, so it publishes exactly what no earlier leader covered.
//
// What "exactly once" means here. Every committed message is published at least once while some
// leader can reach NATS; without a leader change it is published exactly once. Two windows republish
// a message: a leader that dies (or loses leadership) after publishing but before its marker commits,
// and a deposed leader that keeps publishing what it applies until it learns of the new term. A
// republished message carries the same id (its log index) in `Nats-Msg-Id` and in the body, and ids
// increase along each subject, so JetStream's duplicate window or a subscriber that keeps the last
// id per subject sees each message exactly once. Messages evicted from a full outbox (no publisher
// for `maxOutbox` messages) are never published. NATS core delivery itself is at most once per
// connected subscriber; subscribers that were away catch up from history (`after=` / SSE `Last-Event-ID`).

import type { ChatMachine } from '../machines/chat/machine.ts';
import { CHAT_MACHINE_NAME } from '../machines/chat/machine.ts';
import type { ChatMessage, OutboxPage } from '../machines/chat/commands.ts';
import type { Logger } from '../replica/ports.ts';
import type { Replica } from '../replica/replica.ts';
import { withDeadline } from './errors.ts';

/** Where committed messages go. `publish` must not block; `flush` resolves when the transport has them. */
export interface ChatPublicationSink {
  publish(message: ChatMessage): void;
  flush(): Promise<void>;
}

export interface ChatPublisherOptions {
  readonly replica: Replica;
  readonly chat: ChatMachine;
  readonly sink: ChatPublicationSink;
  readonly logger?: Logger;
  /** Wait between a marker and the next (markers batch what was published meanwhile). Default 20 ms. */
  readonly markerIntervalMs?: number;
  /** Wait before retrying a failed barrier, publish, flush or marker. Default 200 ms. */
  readonly retryMs?: number;
  /** A flush that takes longer fails (and is retried): no marker waits on a stuck connection. Default 5 s. */
  readonly flushTimeoutMs?: number;
}

export interface ChatPublisherStats {
  /** Messages handed to the sink (republications included). */
  published: number;
  /** `published` markers committed. */
  markers: number;
  failures: number;
}

export interface ChatPublisher {
  readonly stats: ChatPublisherStats;
  stop(): void;
}

const OUTBOX_PAGE = 1000;

export function startChatPublisher(opts: ChatPublisherOptions): ChatPublisher {
  const { replica, sink } = opts;
  const markerIntervalMs = opts.markerIntervalMs ?? 20;
  const retryMs = opts.retryMs ?? 200;
  const flushTimeoutMs = opts.flushTimeoutMs ?? 5_000;
  const stats: ChatPublisherStats = { published: 0, markers: 0, failures: 0 };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;
  /** The term whose read barrier passed; null while not (yet) publishing. */
  let publishingTerm: number | null = null;
  let barrierTerm: number | null = null;
  /** Highest id this leadership handed to the sink. */
  let publishedThrough = 0;
  let publishScheduled = false;
  let markerPending = false;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const active = () => !stopped && publishingTerm !== null && replica.role === 'leader' && replica.term === publishingTerm;

  const fail = (what: string, error: unknown) => {
    stats.failures++;
    if (active()) opts.logger?.warn(`${replica.id}: chat ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  };

  const outbox = (after: number, limit: number) =>
    replica.machines.query(CHAT_MACHINE_NAME, { type: 'outbox', after, limit }) as OutboxPage;

  /** Hands every message above the committed marker and above what this leadership published to the sink. */
  const publishPending = () => {
    publishScheduled = false;
    if (!active()) return;
    try {
      for (;;) {
        const page = outbox(publishedThrough, OUTBOX_PAGE);
        publishedThrough = Math.max(publishedThrough, page.publishedUpTo);
        for (const message of page.messages) {
          if (message.id <= publishedThrough) continue;
          sink.publish(message);
          stats.published++;
          publishedThrough = message.id;
        }
        if (page.messages.length < OUTBOX_PAGE) break;
      }
    } catch (error) {
      fail('publish', error);
      later(retryMs, schedulePublish);
      return;
    }
    scheduleMarker(markerIntervalMs);
  };

  const schedulePublish = () => {
    if (publishScheduled) return;
    publishScheduled = true;
    queueMicrotask(publishPending);
  };

  /** At most one marker pending or in flight; it covers whatever was published when it is proposed. */
  const scheduleMarker = (delayMs: number) => {
    if (markerPending || !active()) return;
    markerPending = true;
    later(delayMs, () => void proposeMarker());
  };

  const proposeMarker = async () => {
    let retry = false;
    try {
      const upTo = publishedThrough;
      if (!active() || upTo <= outbox(Number.MAX_SAFE_INTEGER, 1).publishedUpTo) return;
      await withDeadline(sink.flush(), flushTimeoutMs, 'flushing chat publications');
      if (!active()) return;
      await replica.propose(CHAT_MACHINE_NAME, { type: 'published', upTo });
      stats.markers++;
    } catch (error) {
      fail('published marker', error);
      retry = true;
    } finally {
      markerPending = false;
    }
    if (active() && publishedThrough > outbox(Number.MAX_SAFE_INTEGER, 1).publishedUpTo) scheduleMarker(retry ? retryMs : markerIntervalMs);
  };

  /** On becoming leader: publish only after a read barrier has applied everything committed before. */
  const followLeadership = () => {
    if (stopped) return;
    if (replica.role !== 'leader') {
      publishingTerm = null;
      barrierTerm = null;
      return;
    }
    const term = replica.term;
    if (publishingTerm === term || barrierTerm === term) return;
    barrierTerm = term;
    publishingTerm = null;
    replica.linearizable(() => undefined).then(
      () => {
        if (stopped || replica.role !== 'leader' || replica.term !== term) return;
        publishingTerm = term;
        publishedThrough = 0;
        schedulePublish();
      },
      (error: unknown) => {
        if (barrierTerm === term) barrierTerm = null;
        fail('leadership barrier', error);
        later(retryMs, followLeadership);
      },
    );
  };

  const stopWatchingRole = replica.onSoftState(followLeadership);
  const stopListening = opts.chat.subscribe((notice) => {
    if (notice.type === 'message' && active()) schedulePublish();
  });
  followLeadership();

  return {
    stats,
    stop() {
      stopped = true;
      stopWatchingRole();
      stopListening();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
