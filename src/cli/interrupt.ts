/** Ctrl-C: the first one asks the running command to commit and stop; a second one kills the process. */
export function onInterrupt(): { interrupted: () => boolean; dispose: () => void } {
  let hit = false;
  const handler = () => {
    if (hit) {
      process.off('SIGINT', handler);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    hit = true;
    process.stderr.write('\ninterrupt: committing what was read; press Ctrl-C again to abort at once\n');
  };
  process.on('SIGINT', handler);
  return { interrupted: () => hit, dispose: () => process.off('SIGINT', handler) };
}
