// Public surface of the consensus core.
export * from './types.ts';
export { Raft, type RaftOptions, type RaftStatus, type PeerStatus } from './raft.ts';
export { RaftLog } from './log.ts';
export { seededRng, type Rng } from './rand.ts';
export { type ConfigChange, applyChange, decodeConfig, encodeConfig, isMember, isVoter, members, EMPTY_CONFIG } from './config.ts';
export { quorumSize } from './quorum.ts';
export { NotLeaderError, ProposalDroppedError, ConfigChangeRefusedError, RaftErrorCode, invariant } from './errors.ts';
