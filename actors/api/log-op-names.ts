// Names of the ledger's API operations, apart from their implementation (log-ops.ts) so that ops.ts
// stays free of replica code.

export const LOG_OPS = ['log.read', 'log.verify'] as const;
export type LogOp = (typeof LOG_OPS)[number];
