/**
 * Ctrl-C and SIGTERM for commands that own processes and keys (bench, bench-ingest): the first signal
 * starts a clean stop, a second one exits at once. Exit status 128 + the signal's number.
 */

export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}

export interface StopSignals {
  /** The first stop signal received, if any. */
  readonly received: NodeJS.Signals | null;
  /** Removes the handlers. */
  dispose(): void;
}

/** Calls `onFirst` at the first SIGINT or SIGTERM; a second one exits the process at once. */
export function handleStopSignals(onFirst: (signal: NodeJS.Signals) => void): StopSignals {
  let received: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(signalExitCode(signal));
    received = signal;
    onFirst(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get received() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
