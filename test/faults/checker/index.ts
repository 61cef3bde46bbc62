/** The web-standard surface of the linearizability checker; write-history.ts is the Node-only part. */
export * from './history.ts';
export { encodeHistory, decodeHistory } from './history-json.ts';
export { partitionHistory, keysOf, type Partition } from './partition.ts';
export {
  checkHistory,
  checkPartition,
  type CheckOptions,
  type CheckResult,
  type CheckFailure,
  type PartitionResult,
} from './check.ts';
export { MalformedHistoryError } from './kv-steps.ts';
export { renderHistory, describeOp, describeOutcome } from './render.ts';
export {
  searchLinearization,
  type SearchOp,
  type SearchModel,
  type SearchBudget,
  type SearchResult,
  type ContentChange,
  type KeyedToken,
} from './wing-gong.ts';
