import { SingleBar } from 'cli-progress';
import type { IngestProgress, IngestSummary } from '../ingest/ingest.js';
import { count, plural, seconds } from '../text/format.js';

/** A progress bar on a terminal (files, masks/s, ETA); nothing when output is piped. */
export function ingestProgressBar(): { update(progress: IngestProgress): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: 'ingesting [{bar}] {value}/{total} files | {masks} masks | {rate} masks/s | {failed} failed | ETA {eta_formatted}',
    stream: process.stderr,
    clearOnComplete: true,
    hideCursor: true,
    etaBuffer: 50,
  });
  const started = performance.now();
  let running = false;
  return {
    update(p) {
      const payload = {
        masks: count(p.masksStored),
        rate: count(Math.round(p.masksStored / Math.max((performance.now() - started) / 1000, 1e-3))),
        failed: count(p.filesFailed),
      };
      if (!running) {
        bar.start(p.filesTotal, p.filesDone, payload);
        running = true;
      } else bar.update(p.filesDone, payload);
    },
    stop: () => running && bar.stop(),
  };
}

const kb = (bytes: number, masks: number) => `${(bytes / Math.max(masks, 1) / 1024).toFixed(1)} KB`;

/** The closing lines: what was stored, how fast, and every failed file with its reason. */
export function formatSummary(summary: IngestSummary): { out: string[]; errors: string[] } {
  const { masks, failures } = summary;
  const written = masks.inserted + masks.replaced;
  const rate = written / Math.max(summary.elapsedMs / 1000, 1e-3);
  const out = [
    `ingested ${count(summary.ingestedFiles)} of ${plural(summary.files, 'file')} in ${seconds(summary.elapsedMs)}: ` +
      `${plural(written, 'mask')} stored (${count(masks.inserted)} new, ${count(masks.replaced)} replaced), ` +
      `${count(masks.skipped)} skipped as duplicates, ${plural(summary.createdImages, 'image')} created` +
      (written > 0
        ? `; ${count(Math.round(rate))} masks/s, ${kb(summary.bytes.pixels, written)} pixels + ${kb(summary.bytes.chi, written)} index per mask`
        : ''),
  ];
  const errors = failures.length > 0 ? [`${plural(failures.length, 'file')} failed:`, ...failures.map((f) => `  ${f.file}: ${f.reason}`)] : [];
  return { out, errors };
}
