import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeImageTags } from '../../db/repositories/image-tags.js';
import type { RunningService, Seeded } from './service-fixture.js';
import { seedStore, startService } from './service-fixture.js';

let running: RunningService;
let seeded: Seeded;

beforeAll(async () => {
  running = await startService(async (store) => {
    seeded = await seedStore(store);
  });
});
afterAll(() => running?.stop());

const FACETS = `query ($where: MaskWhere) { maskFacets(where: $where) {
  masks images labels { value count images } splits { value count } models { value count } maskTypes { value count }
  sources { value count } tags { value count images } boxNames { value images }
  predictions { images correct accuracy topConfusions { label prediction images } } } }`;

type Facets = { maskFacets: { masks: number; images: number; labels: { value: string; count: number; images: number }[]; models: { value: string | null; count: number }[]; tags: { value: string; count: number; images: number }[]; boxNames: { value: string; images: number }[] } };

describe('maskFacets', () => {
  it('counts the masks of each label, model and type, as the seeded data holds them', async () => {
    const { data, errors } = await running.gql<Facets>(FACETS);
    expect(errors).toBeUndefined();
    const facets = data!.maskFacets;
    expect(facets.masks).toBe(seeded.masks.length);
    for (const label of ['cat', 'dog', 'bird']) {
      const masks = seeded.masks.filter((m) => seeded.images.get(m.imageId)!.label === label).length;
      expect(facets.labels.find((f) => f.value === label)?.count).toBe(masks);
    }
    expect(facets.models.find((f) => f.value === null)?.count).toBe(seeded.masks.filter((m) => m.modelName === null).length);
    const withBox = [...seeded.images.values()].filter((i) => 'object' in i.boxes).length;
    expect(facets.boxNames).toEqual([{ value: 'object', images: withBox }]);
  });

  it('narrows under where', async () => {
    const { data } = await running.gql<Facets>(FACETS, { where: { modelNames: ['resnet50'], imageLabels: ['cat'] } });
    const expected = seeded.masks.filter((m) => m.modelName === 'resnet50' && seeded.images.get(m.imageId)!.label === 'cat').length;
    expect(data!.maskFacets.masks).toBe(expected);
    expect(data!.maskFacets.labels.map((l) => l.value)).toEqual(['cat']);
  });

  it('refuses a malformed mask id, naming it', async () => {
    const { errors } = await running.gql(FACETS, { where: { ids: ['nope'] } });
    expect(errors?.[0]).toMatchObject({ message: expect.stringContaining('where.ids'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

const TAG = `mutation ($keys: [String!], $where: MaskWhere, $add: [String!], $remove: [String!]) {
  tagImages(imageKeys: $keys, where: $where, add: $add, remove: $remove) { changedImages } }`;

const TOP_TAGGED = `query ($tags: [String!]) { topKByCP(where: { imageTags: $tags }, roi: { full: true }, range: { gt: 0.5 }, k: 100) { items { nodes { mask { image { key tags } } } } } }`;

describe('tagImages', () => {
  it('tags by key; queries see it at once through imageTags', async () => {
    const { data, errors } = await running.gql<{ tagImages: { changedImages: number } }>(TAG, { keys: ['img-001', 'img-002', 'no-such'], add: ['review'] });
    expect(errors).toBeUndefined();
    expect(data!.tagImages.changedImages).toBe(2);
    const top = await running.gql<{ topKByCP: { items: { nodes: { mask: { image: { key: string; tags: string[] } } }[] } } }>(TOP_TAGGED, { tags: ['review'] });
    const keys = new Set(top.data!.topKByCP.items.nodes.map((i) => i.mask.image.key));
    expect([...keys].sort()).toEqual(['img-001', 'img-002']);
    expect(top.data!.topKByCP.items.nodes[0].mask.image.tags).toEqual(['review']);
  });

  it('tags the images of a where (a result set) and untags them', async () => {
    const tagged = await running.gql<{ tagImages: { changedImages: number } }>(TAG, { where: { imageLabels: ['bird'], imageSplits: ['val'] }, add: ['birds-val'] });
    const birdsVal = [...seeded.images.values()].filter((i) => i.label === 'bird' && i.split === 'val').length;
    expect(tagged.data!.tagImages.changedImages).toBe(birdsVal);
    const { data } = await running.gql<Facets>(FACETS, { where: { imageTags: ['birds-val'] } });
    expect(data!.maskFacets.images).toBe(birdsVal);
    expect(data!.maskFacets.tags.find((t) => t.value === 'birds-val')?.images).toBe(birdsVal);
    const untagged = await running.gql<{ tagImages: { changedImages: number } }>(TAG, { where: { imageTags: ['birds-val'] }, remove: ['birds-val'] });
    expect(untagged.data!.tagImages.changedImages).toBe(birdsVal);
  });

  it("follows another process's tag change through the change log", async () => {
    await changeImageTags(running.store.db, { keys: ['img-010'] }, { add: ['elsewhere'], remove: [] });
    await running.service.catchUp();
    const top = await running.gql<{ topKByCP: { items: { nodes: { mask: { image: { key: string } } }[] } } }>(TOP_TAGGED, { tags: ['elsewhere'] });
    expect(new Set(top.data!.topKByCP.items.nodes.map((i) => i.mask.image.key))).toEqual(new Set(['img-010']));
  });

  it.each([
    [{ keys: ['img-001'] }, 'give tags to add or remove'],
    [{ add: ['x'] }, 'give exactly one of imageKeys and where'],
    [{ keys: ['img-001'], where: {}, add: ['x'] }, 'give exactly one of imageKeys and where'],
    [{ keys: ['img-001'], add: [' padded'] }, 'add: a tag must be non-empty'],
    [{ keys: ['img-001'], remove: [''] }, 'remove: a tag must be non-empty'],
  ])('refuses %j', async (variables, message) => {
    const { errors } = await running.gql(TAG, variables);
    expect(errors?.[0]).toMatchObject({ message: expect.stringContaining(message), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('browseImages', () => {
  const BROWSE = `query ($where: MaskWhere, $offset: Int, $limit: Int) { browseImages(where: $where, offset: $offset, limit: $limit) { totalCount images { key } } }`;
  type Browse = { browseImages: { totalCount: number; images: { key: string }[] } };

  it('pages by position in id order', async () => {
    const keys = [...seeded.images.values()].map((i) => i.key);
    const { data } = await running.gql<Browse>(BROWSE, { offset: 5, limit: 3 });
    expect(data!.browseImages).toEqual({ totalCount: keys.length, images: keys.slice(5, 8).map((key) => ({ key })) });
  });

  it('narrows by where', async () => {
    const { data } = await running.gql<Browse>(BROWSE, { where: { maskTypes: ['human-attention'], imageLabels: ['dog'] }, limit: 1000 });
    const expected = new Set(seeded.masks.filter((m) => m.maskType === 'human-attention' && seeded.images.get(m.imageId)!.label === 'dog').map((m) => seeded.images.get(m.imageId)!.key));
    expect(data!.browseImages.totalCount).toBe(expected.size);
    expect(new Set(data!.browseImages.images.map((i) => i.key))).toEqual(expected);
  });

  it('refuses a negative offset', async () => {
    const { errors } = await running.gql(BROWSE, { offset: -1 });
    expect(errors?.[0]).toMatchObject({ message: expect.stringContaining('offset'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('seeding', () => {
  it('says none on a server that seeds nothing', async () => {
    const { data } = await running.gql<{ seeding: { state: string } }>('{ seeding { state masksStored } }');
    expect(data!.seeding).toEqual({ state: 'none', masksStored: 0 });
  });
});
