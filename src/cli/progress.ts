/** A progress bar on stderr, only on a terminal and only when the input is large enough to wait for. */
import cliProgress from 'cli-progress';
import type { App } from './app.js';

const MIN_BYTES = 32 * 1024 * 1024;

export function progressBar(app: App): { update: (done: number, total: number) => void; stop: () => void } {
  if (!app.log.isTTY || app.quiet) return { update: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let last = 0;
  return {
    update(done, total) {
      if (total < MIN_BYTES) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'ingest [{bar}] {percentage}% | {value}/{total} MB | eta {eta_formatted}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.ceil(total / 1048576), 0);
      }
      bar.update(Math.floor(done / 1048576));
    },
    stop() {
      bar?.stop();
    },
  };
}
