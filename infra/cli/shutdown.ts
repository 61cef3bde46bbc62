// Clean shutdown on SIGINT/SIGTERM: runs the handler once; a second signal exits at once, after
// `onForcedExit` (synchronous: it can only send signals, e.g. SIGKILL to child processes, so that
// nothing this process started outlives it).

export function onShutdown(handler: () => Promise<void>, onForcedExit?: () => void): void {
  let stopping = false;
  const run = (signal: NodeJS.Signals) => {
    if (stopping) {
      onForcedExit?.();
      process.exit(130);
    }
    stopping = true;
    handler().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`shutdown after ${signal} failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', run);
  process.on('SIGTERM', run);
}
