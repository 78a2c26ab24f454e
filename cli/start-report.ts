import { SingleBar } from 'cli-progress';
import type { StartProgress } from '../search/table-start.js';
import { count, plural } from '../text/format.js';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * What start-up is reading, as a line when it begins: the stored snapshot, or every mask's row
 * and why. Then a bar on a terminal, or, piped, a line per tenth of the masks read.
 */
export function startProgressReport(log: (line: string) => void = console.log): { update(progress: StartProgress): void; stop(): void } {
  let source: StartProgress['source'] | undefined;
  let bar: SingleBar | undefined;
  let tenths = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(p) {
      if (p.source !== source) {
        stop();
        source = p.source;
        log(p.source === 'snapshot' ? `reading the stored index snapshot (${mb(p.total)})` : `building the index from ${plural(p.total, 'mask')}: ${p.reason}`);
        if (process.stderr.isTTY && p.total > 0) {
          bar = new SingleBar({ format: `${p.source === 'snapshot' ? 'snapshot' : 'masks'} [{bar}] {percentage}% | ETA {eta_formatted}`, stream: process.stderr, clearOnComplete: true, hideCursor: true });
          bar.start(p.total, p.done);
        }
        tenths = 0;
        return;
      }
      if (bar) bar.update(p.done);
      else if (p.source === 'rows' && p.total > 0 && Math.floor((10 * p.done) / p.total) > tenths) {
        tenths = Math.floor((10 * p.done) / p.total);
        log(`indexed ${count(p.done)} of ${plural(p.total, 'mask')}`);
      }
    },
    stop,
  };
}
