import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANTED_SCENARIOS, planImage, type PlantedScenario } from '../../demo/dataset.js';
import { seedDemo, type DemoSummary, type SeedReporter } from '../../demo/seed.js';
import { serviceTarget } from '../../demo/targets.js';
import { loadSourceRegistry } from '../../plugins/config.js';
import { startService, type RunningService } from '../service/service-fixture.js';

/**
 * The demo seeded into a running service (the path `masksearch serve` takes on an empty store),
 * then the explorer's three presets run over GraphQL: each must rank its planted cases first.
 */

const IMAGES = 400;
const SEED = 1;
const K = 25;

const silent: SeedReporter = { start() {}, generated() {}, stored() {}, line() {} };

const scenarioOf = (key: string) => planImage(SEED, Number(key.slice('demo-'.length)) - 1).scenario;

/** The preset queries exactly as the web explorer sends them (web/src/query/presets.ts). */
const PRESETS = {
  'background-focus': `{ ranked: topKByCP(where: { maskTypes: ["saliency"], modelNames: ["demo-classifier"] }, roi: { imageBox: "object" }, range: { gt: 0.6 },
      normalize: ROI_FRACTION, order: ASC, k: ${K}) { items { nodes { value mask { image { key } } } } } }`,
  dispersed: `{ ranked: topKByCP(where: { maskTypes: ["saliency"], modelNames: ["demo-classifier"] }, roi: { full: true }, range: { gt: 0.2, lt: 0.6 },
      normalize: ROI_FRACTION, order: DESC, k: ${K}) { items { nodes { value mask { image { key } } } } } }`,
  'human-disagrees': `{ ranked: aggregateMasks(where: { imageTags: ["synthetic"] },
      members: [{ where: { maskTypes: ["saliency"], modelNames: ["demo-classifier"] } }, { where: { maskTypes: ["human-attention"] } }], op: INTERSECT, measure: IOU,
      threshold: 0.5, order: ASC, k: ${K}) { groups { edges { node { value image { key } } } } } }`,
} satisfies Record<PlantedScenario, string>;

interface Ranked {
  ranked: { items?: { nodes: { value: number; mask: { image: { key: string } } }[] }; groups?: { edges: { node: { value: number; image: { key: string } } }[] } };
}

describe('the demo dataset in a running service', () => {
  let running: RunningService;
  let dir: string;
  let summary: DemoSummary;

  beforeAll(async () => {
    [running, dir] = await Promise.all([
      startService(undefined, undefined, { sources: await loadSourceRegistry() }),
      mkdtemp(join(tmpdir(), 'masksearch-demo-presets-')),
    ]);
    summary = await seedDemo(serviceTarget(running.service), running.service.sources, { seed: SEED, images: IMAGES, dir }, silent);
  });

  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores every image with its masks', () => {
    const watched = Array.from({ length: IMAGES }, (_, i) => planImage(SEED, i)).filter((p) => p.humanAttention).length;
    expect(summary.images).toBe(IMAGES);
    expect(summary.masks).toEqual({
      saliency: { stored: IMAGES, skipped: 0 },
      segmentation: { stored: IMAGES, skipped: 0 },
      'human-attention': { stored: watched, skipped: 0 },
    });
    expect(running.service.table.size).toBe(2 * IMAGES + watched);
    // Enough of each planted case for the presets to show, but a few percent, not a flood.
    for (const scenario of PLANTED_SCENARIOS) expect(summary.planted[scenario]).toBeGreaterThanOrEqual(8);
    for (const scenario of PLANTED_SCENARIOS) expect(summary.planted[scenario]).toBeLessThan(0.07 * IMAGES);
  });

  it('registers the model, the images and the masks as the contract says', async () => {
    const res = await running.gql<{
      models: { name: string; kind: string }[];
      image: { key: string; width: number; label: string; uri: string; metadata: Record<string, unknown>; boxes: { name: string; x: number; y: number; width: number; height: number }[]; masks: { maskType: string; source: string; model: { name: string } | null; encoding: string }[] };
    }>(`{ models { name kind } image(key: "demo-00002") { key width label uri metadata boxes { name x y width height } masks { maskType source model { name } encoding } } }`);
    expect(res.errors).toBeUndefined();
    const { models, image } = res.data!;
    expect(models).toEqual([{ name: 'demo-classifier', kind: 'classifier' }]);
    expect(image.uri).toBe(join(dir, 'images', 'demo-00002.png'));
    expect(image.metadata.synthetic).toBe(true);
    const [object, labelBox] = [image.boxes.find((b) => b.name === 'object'), image.boxes.find((b) => b.name === image.label)];
    expect(labelBox).toEqual({ ...object, name: image.label });
    const plan = planImage(SEED, 1);
    const expected = [
      { maskType: 'saliency', source: 'gradcam', model: { name: 'demo-classifier' }, encoding: 'u8' },
      { maskType: `segmentation:${image.label}`, source: 'segmentation', model: null, encoding: 'u8' },
      ...(plan.humanAttention ? [{ maskType: 'human-attention', source: 'eyetracking', model: null, encoding: 'u16' }] : []),
    ];
    expect(image.masks).toEqual(expect.arrayContaining(expected));
    expect(image.masks).toHaveLength(expected.length);
  });

  it.each(PLANTED_SCENARIOS.map((scenario) => [scenario]))('the %s preset ranks the planted cases first', async (scenario) => {
    const res = await running.gql<Ranked>(PRESETS[scenario]);
    expect(res.errors).toBeUndefined();
    const { ranked } = res.data!;
    const keys = ranked.items ? ranked.items.nodes.map((i) => i.mask.image.key) : ranked.groups!.edges.map((e) => e.node.image.key);
    expect(keys).toHaveLength(K);
    const planted = Math.min(summary.planted[scenario], K);
    expect(keys.slice(0, planted).map(scenarioOf)).toEqual(Array(planted).fill(scenario));
  });
});
