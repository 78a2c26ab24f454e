import type { SeedReporter } from './seed.js';

interface PartProgress {
  images: number;
  made: number;
  masks: number;
  stored: number;
}

/**
 * One progress for seedings that interleave (a slice of the real photos, a slice of the
 * synthetic demo, then the rest of each): every part reports its own counts, the inner reporter
 * sees their sums, so the bar never jumps back when the next part reports.
 */
export function combinedReporter(inner: SeedReporter): { part(): SeedReporter } {
  const parts: PartProgress[] = [];
  const sum = (field: keyof PartProgress) => parts.reduce((n, p) => n + p[field], 0);
  const restart = () => {
    inner.start(sum('images'), sum('masks'));
    inner.generated(sum('made'));
    inner.stored(sum('stored'));
  };
  return {
    part() {
      const progress: PartProgress = { images: 0, made: 0, masks: 0, stored: 0 };
      parts.push(progress);
      return {
        start(images, masks) {
          Object.assign(progress, { images, masks });
          restart();
        },
        generated(images) {
          progress.made = images;
          inner.generated(sum('made'));
        },
        stored(masks) {
          progress.stored = masks;
          inner.stored(sum('stored'));
        },
        // A terminal's bar ends with a line; the seeding goes on, so it starts again.
        line(text) {
          inner.line(text);
          if (sum('stored') < sum('masks')) restart();
        },
      };
    },
  };
}
