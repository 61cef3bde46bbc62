// Clean shutdown on SIGINT/SIGTERM: runs the handler once; a second signal exits at once.

export function onShutdown(handler: () => Promise<void>): void {
  let stopping = false;
  const run = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    handler().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`shutdown after ${signal} failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', run);
  process.once('SIGTERM', run);
}
