import { describe, expect, it } from 'vitest';
import { combinedReporter } from '../../demo/combined-reporter.js';
import type { SeedReporter } from '../../demo/seed.js';

/** A reporter that writes down what it is told. */
function recorder(): SeedReporter & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    start: (images, masks) => void calls.push(`start ${images} ${masks}`),
    generated: (images) => void calls.push(`generated ${images}`),
    stored: (masks) => void calls.push(`stored ${masks}`),
    line: (text) => void calls.push(`line ${text}`),
  };
}

describe('one progress over interleaved seedings', () => {
  it('reports the sums of the parts, so the bar never goes back when the next part reports', () => {
    const inner = recorder();
    const progress = combinedReporter(inner);
    const [real, synthetic] = [progress.part(), progress.part()];
    real.start(80, 160);
    real.stored(24);
    synthetic.start(60, 134);
    synthetic.stored(44);
    // The real part again, with its own absolute count: the sum grows, it does not restart.
    real.stored(160);
    expect(inner.calls).toEqual([
      'start 80 160',
      'generated 0',
      'stored 0',
      'stored 24',
      'start 140 294',
      'generated 0',
      'stored 24',
      'stored 68',
      'stored 204',
    ]);
  });

  it('starts the progress again after a line while masks remain, and not once all are stored', () => {
    const inner = recorder();
    const part = combinedReporter(inner).part();
    part.start(10, 20);
    part.generated(10);
    part.stored(12);
    part.line('first slice done');
    part.stored(20);
    part.line('all done');
    expect(inner.calls).toEqual([
      'start 10 20',
      'generated 0',
      'stored 0',
      'generated 10',
      'stored 12',
      'line first slice done',
      'start 10 20',
      'generated 10',
      'stored 12',
      'stored 20',
      'line all done',
    ]);
  });
});
