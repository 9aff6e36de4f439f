/**
 * Ctrl-C: the first one asks the running command to commit and stop (polled through `interrupted`, and `signal`
 * aborts a wait on an idle stdin or pipe); a second one kills the process.
 */
export function onInterrupt(): { interrupted: () => boolean; signal: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  const handler = () => {
    if (stop.signal.aborted) {
      process.off('SIGINT', handler);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    stop.abort();
    process.stderr.write('\ninterrupt: committing what was read; press Ctrl-C again to abort at once\n');
  };
  process.on('SIGINT', handler);
  return { interrupted: () => stop.signal.aborted, signal: stop.signal, dispose: () => process.off('SIGINT', handler) };
}
