// A broken safety or liveness property found by the simulator. `property` names the invariant.

export class SimViolation extends Error {
  override readonly name = 'SimViolation';
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
  }
}
