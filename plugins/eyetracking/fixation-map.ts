import type { SourceMaskRecord } from '../kit/index.js';
import { renderDensityMap } from './density-map.js';
import type { Impulse } from './density-map.js';
import type { Fixation, ImageSize } from './fixations.js';
import { normalisedMaskValues } from './mask-values.js';
import { sigmaPx } from './options.js';
import type { EyetrackingOptions } from './options.js';

/**
 * The attention map of one image's fixations. A fixation at (x, y) falls on pixel
 * (⌊x⌋, ⌊y⌋) — pixel (c, r) covers [c, c+1) × [r, r+1) — and counts if that pixel is in the
 * image; fixations outside are dropped and counted. The map is normalised to peak 1; with no
 * fixation inside (or only zero weights) it is all zero and says so in `empty`.
 */
export function fixationMapRecord(key: string, size: ImageSize, fixations: readonly Fixation[], options: EyetrackingOptions): SourceMaskRecord {
  const { width, height } = size;
  const impulses: Impulse[] = [];
  const observers = new Set<string>();
  for (const f of fixations) {
    const column = Math.floor(f.x);
    const row = Math.floor(f.y);
    if (column < 0 || column >= width || row < 0 || row >= height) continue;
    // The readers ensured a duration is present when weighting by it.
    impulses.push({ column, row, weight: options.durationWeighted ? f.duration! : 1 });
    if (f.observer !== undefined) observers.add(f.observer);
  }
  const sigma = sigmaPx(options, width, height);
  const { data, peak } = normalisedMaskValues(renderDensityMap(width, height, impulses, sigma), options.precision);
  return {
    kind: 'mask',
    imageKey: key,
    mask: { width, height, data },
    imageAligned: true,
    metadata: {
      sigmaPx: sigma,
      fixations: impulses.length,
      outside: fixations.length - impulses.length,
      ...(observers.size > 0 && { observers: observers.size }),
      durationWeighted: options.durationWeighted,
      ...(peak === 0 && { empty: true }),
    },
  };
}
