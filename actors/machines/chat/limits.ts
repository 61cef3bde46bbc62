// The chat machine's limits. Checked again when an entry is applied, so they are cluster-wide
// configuration: every replica must use the same values.

export interface ChatLimits {
  /** Longest message text, in UTF-8 bytes (413 too_large above it). */
  readonly maxMessageBytes: number;
  /** Messages kept per channel; the oldest are trimmed (their seq numbers are never reused). */
  readonly maxChannelHistory: number;
  /** Private messages kept per user inbox; likewise. */
  readonly maxInboxHistory: number;
  /** Unpublished messages kept for the NATS publisher; beyond it the oldest are never published. */
  readonly maxOutbox: number;
  /** Users and channels the cluster accepts (precondition_failed beyond them). */
  readonly maxUsers: number;
  readonly maxChannels: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  maxMessageBytes: 4096,
  maxChannelHistory: 1000,
  maxInboxHistory: 1000,
  maxOutbox: 10_000,
  maxUsers: 100_000,
  maxChannels: 10_000,
};

/** Largest page of a history, inbox or outbox query. */
export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 100;
