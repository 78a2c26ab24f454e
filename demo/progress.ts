import { SingleBar } from 'cli-progress';
import { count } from '../text/format.js';
import type { SeedReporter } from './seed.js';

/** Seeding's progress on a terminal: one bar on stderr (none when piped), lines on stdout. */
export function terminalReporter(): SeedReporter & { stop(): void } {
  let bar: SingleBar | undefined;
  let imagesToMake = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    start(images, masks) {
      // Started again (the seeding went on after a line): one bar at a time.
      stop();
      imagesToMake = images;
      if (!process.stderr.isTTY) return;
      bar = new SingleBar({
        format: 'seeding the demo [{bar}] {percentage}% | {generated} images made | {value}/{total} masks stored | ETA {eta_formatted}',
        stream: process.stderr,
        clearOnComplete: true,
        hideCursor: true,
        etaBuffer: 200,
      });
      bar.start(masks, 0, { generated: `0/${count(imagesToMake)}` });
    },
    generated: (made) => bar?.update({ generated: `${count(made)}/${count(imagesToMake)}` }),
    stored: (masks) => bar?.update(masks),
    line(text) {
      stop();
      console.log(text);
    },
    stop,
  };
}
