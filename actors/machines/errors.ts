// Expected outcomes of proposing to or applying a state machine (tier b of the error model). Codes are
// the HTTP edge's error codes, so `onError` maps them one to one (bad_request 400, not_found 404,
// precondition_failed 412, too_large 413). A broken invariant (an index applied twice, a corrupt
// snapshot) is a plain Error with an 'invariant:' message and stops the replica.

export const CommandRejectedCode = {
  BadRequest: 'bad_request',
  TooLarge: 'too_large',
  NotFound: 'not_found',
  PreconditionFailed: 'precondition_failed',
} as const;
export type CommandRejectedCode = (typeof CommandRejectedCode)[keyof typeof CommandRejectedCode];

/**
 * A command (or query) that a machine refuses. Thrown by `validate` before anything reaches the log, and
 * by `query`. A machine's `apply` may also throw it: the host turns it into an error outcome with this
 * code and message, which must therefore be deterministic (built from the command and state only).
 */
export class CommandRejectedError extends Error {
  override readonly name = 'CommandRejectedError';
  constructor(
    readonly code: CommandRejectedCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Codes an applied entry's outcome can carry: a rejection, or `apply_failed` when a machine threw. */
export const ApplyErrorCode = { ...CommandRejectedCode, ApplyFailed: 'apply_failed' } as const;
export type ApplyErrorCode = (typeof ApplyErrorCode)[keyof typeof ApplyErrorCode];

export function badRequest(message: string): CommandRejectedError {
  return new CommandRejectedError(CommandRejectedCode.BadRequest, message);
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant: ${message}`);
}
