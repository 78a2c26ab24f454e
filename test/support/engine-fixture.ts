import { MaskTable, MemoryMaskLoader, buildChi } from '../../engine/index.js';
import type { ChiConfig, EngineContext, Mask, MaskLoader, RoiSpec } from '../../engine/index.js';
import type { Dataset } from './arbitraries.js';
import type { RefRoi } from './brute-force.js';

/** Counts every id the engine asks for, to check what was loaded. */
export class CountingLoader implements MaskLoader {
  readonly requested: number[] = [];
  private readonly inner: MemoryMaskLoader;
  constructor(masks: ReadonlyMap<number, Mask>) {
    this.inner = new MemoryMaskLoader(masks);
  }
  load(ids: readonly number[]) {
    this.requested.push(...ids);
    return this.inner.load(ids);
  }
}

export function engineFor(data: Dataset, config: ChiConfig, batchSize?: number): EngineContext & { loader: CountingLoader } {
  const table = new MaskTable(config);
  for (const image of data.images.values()) table.putImage(image);
  for (const m of data.masks) {
    table.putMask(
      { id: m.id, imageId: m.imageId, width: m.mask.width, height: m.mask.height, encoding: m.mask.encoding },
      data.indexed.has(m.id) ? buildChi(m.mask, config) : null,
    );
  }
  const loader = new CountingLoader(new Map(data.masks.map((m) => [m.id, m.mask])));
  return { table, loader, batchSize };
}

export const toRoiSpec = (roi: RefRoi): RoiSpec => roi;

/** Ranges the engine refuses: both ends given and no real number between them. */
export function emptyByRule(range: { gt?: number | null; gte?: number | null; lt?: number | null; lte?: number | null }): boolean {
  const has = (v: number | null | undefined): v is number => v !== null && v !== undefined;
  const lower = has(range.gt) ? range.gt : range.gte;
  const upper = has(range.lt) ? range.lt : range.lte;
  if (!has(lower) || !has(upper)) return false;
  return has(range.gte) && has(range.lte) ? lower > upper : lower >= upper;
}
