import { DEFAULT_MAX_PIXELS } from '../../plugins/kit/index.js';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import { createMask, type Mask } from '../../engine/index.js';
import type { MaskSource, SourceContext } from '../../plugins/kit/index.js';
import { seededRandom } from '../db/mask-fixtures.js';
import type { CpCase, RefImage, RefMask, RefRoi } from '../support/brute-force.js';
import { bruteFilter, bruteTopK, cpValues } from '../support/brute-force.js';
import type { RunningService } from '../service/service-fixture.js';
import { sourceFile } from '../support/source-file.js';

export interface IngestResult {
  files: number;
  ingestedFiles: number;
  insertedMasks: number;
  replacedMasks: number;
  skippedMasks: number;
  createdImages: number;
  failures: { file: string; reason: string }[];
}

const INGEST = `mutation ($source: String!, $files: [Upload!]!, $options: MaskSearchIngestOptions) {
  ingestMasks(source: $source, files: $files, options: $options) {
    files ingestedFiles insertedMasks replacedMasks skippedMasks createdImages failures { file reason }
  }
}`;

/** Mutation.ingestMasks as a client sends it: GraphQL multipart. */
export async function ingestThroughGraphQL(running: RunningService, source: string, files: readonly { name: string; bytes: Uint8Array }[], options: Record<string, unknown> = {}): Promise<IngestResult> {
  const res = await running.upload<{ ingestMasks: IngestResult }>(INGEST, { source, options }, files);
  expect(res.errors).toBeUndefined();
  return res.data!.ingestMasks;
}

/** A mask as the test decoded it from its file, independently of the service. */
export interface ExpectedMask {
  key: string;
  maskType: string;
  mask: Mask;
}

interface StoredMask {
  id: string;
  maskType: string;
  width: number;
  height: number;
  image: { id: string; key: string; width: number; height: number; boxes: { name: string; x: number; y: number; width: number; height: number }[] };
}

const localId = (id: string) => Number(decodeGlobalID(id).id);

/**
 * Pairs the stored masks (read back over GraphQL) with the expected ones by image key and mask
 * type; every expected mask must be stored, with its size.
 */
export async function storedReference(running: RunningService, expected: readonly ExpectedMask[], where: Record<string, unknown>) {
  const res = await running.gql<{ masks: { edges: { node: StoredMask }[] } }>(
    `query ($where: MaskWhere) { masks(where: $where, first: 1000) { edges { node {
      id maskType width height image { id key width height boxes { name x y width height } } } } } }`,
    { where },
  );
  expect(res.errors).toBeUndefined();
  const stored = res.data!.masks.edges.map((e) => e.node);
  const byKey = new Map(stored.map((m) => [`${m.image.key}/${m.maskType}`, m]));
  const masks: RefMask[] = [];
  const images = new Map<number, RefImage>();
  for (const e of expected) {
    const found = byKey.get(`${e.key}/${e.maskType}`);
    expect(found, `stored mask for ${e.key}/${e.maskType}`).toBeDefined();
    expect([found!.width, found!.height]).toEqual([e.mask.width, e.mask.height]);
    const imageId = localId(found!.image.id);
    images.set(imageId, {
      id: imageId,
      width: found!.image.width,
      height: found!.image.height,
      boxes: Object.fromEntries(found!.image.boxes.map((b) => [b.name, [b.x, b.y, b.width, b.height]])),
    });
    masks.push({ id: localId(found!.id), imageId, mask: e.mask });
  }
  expect(stored).toHaveLength(expected.length);
  return { masks, images };
}

const roiArg = (roi: RefRoi) => (roi.kind === 'full' ? { full: true } : roi.kind === 'box' ? { box: { x: roi.x, y: roi.y, width: roi.width, height: roi.height } } : { imageBox: roi.name });

/**
 * Random filter and top-k queries over HTTP, each compared with brute force over the expected
 * masks: the ingest stored exactly the pixels the files hold, and the engine indexed them.
 */
export async function expectQueriesMatchBruteForce(running: RunningService, expected: readonly ExpectedMask[], where: Record<string, unknown>, options: { boxNames: string[]; cases: number; seed: number }) {
  const { masks, images } = await storedReference(running, expected, where);
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  for (let i = 0; i < options.cases; i++) {
    const maxSide = Math.max(...masks.map((m) => Math.max(m.mask.width, m.mask.height)));
    const roi: RefRoi = pick<RefRoi>([
      { kind: 'full' },
      ...options.boxNames.map((name) => ({ kind: 'imageBox' as const, name })),
      { kind: 'box', x: Math.floor(random() * maxSide * 0.6), y: Math.floor(random() * maxSide * 0.6), width: 1 + Math.floor(random() * maxSide * 0.6), height: 1 + Math.floor(random() * maxSide * 0.6) },
    ]);
    const lo = Math.round(random() * 8) / 10;
    const range = pick([{ gt: lo, lte: 1 }, { gte: lo }, { gt: lo / 2, lt: lo / 2 + 0.3 }]);
    const normalize = pick(['COUNT', 'ROI_FRACTION'] as const);
    const q: CpCase = { roi, range, normalize } as CpCase;
    const values = cpValues(masks, images, q);
    const threshold = normalize === 'COUNT' ? Math.floor(random() * 60) : Math.round(random() * 10) / 20;
    const order = pick(['ASC', 'DESC'] as const);
    const res = await running.gql<{
      filterByCP: { totalCount: number; matches: { edges: { node: { mask: { id: string }; value: number } }[] } };
      topKByCP: { items: { nodes: { mask: { id: string }; value: number }[] } };
    }>(
      `query ($where: MaskWhere, $roi: MaskSearchRoiInput!, $range: MaskSearchValueRangeInput!, $normalize: MaskSearchNormalize, $threshold: Float!, $order: MaskSearchOrder!) {
        filterByCP(where: $where, roi: $roi, range: $range, normalize: $normalize, op: GT, threshold: $threshold, first: 1000) {
          totalCount matches { edges { node { mask { id } value } } } }
        topKByCP(where: $where, roi: $roi, range: $range, normalize: $normalize, k: 5, order: $order) { items { nodes { mask { id } value } } }
      }`,
      { where, roi: roiArg(roi), range, normalize, threshold, order },
    );
    expect(res.errors, JSON.stringify({ roi, range })).toBeUndefined();
    const filter = bruteFilter(values, 'GT', threshold);
    expect(res.data!.filterByCP.matches.edges.map((e) => [localId(e.node.mask.id), e.node.value])).toEqual(filter.map((v) => [v.id, v.value]));
    expect(res.data!.topKByCP.items.nodes.map((item) => [localId(item.mask.id), item.value])).toEqual(bruteTopK(values, 5, order).map((v) => [v.id, v.value]));
  }
}

/**
 * The masks a source makes of the files, read by the source itself outside the service: for
 * sources whose decoding is tested on its own (golden tests), this isolates what the ingest,
 * the store and the engine do with them.
 */
export async function decodeWithSource(source: MaskSource<unknown>, files: readonly { name: string; bytes: Uint8Array }[], options: unknown, imageSize: SourceContext['imageSize'] = async () => null): Promise<ExpectedMask[]> {
  const out: ExpectedMask[] = [];
  for (const file of files) {
    for await (const record of source.read(sourceFile(file.name, file.bytes), source.options.parse(options), { maxPixels: DEFAULT_MAX_PIXELS, imageSize })) {
      if (record.kind === 'mask') out.push({ key: record.imageKey, maskType: record.maskType ?? source.defaultMaskType, mask: createMask(record.mask.width, record.mask.height, record.mask.data) });
    }
  }
  return out;
}
