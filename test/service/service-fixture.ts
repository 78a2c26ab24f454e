import { buildChi, serializeChi } from '../../engine/index.js';
import type { Mask } from '../../engine/index.js';
import type { DatabaseHandle } from '../../db/client.js';
import { openDatabase } from '../../db/client.js';
import { upsertImages } from '../../db/repositories/images.js';
import { insertMasks } from '../../db/repositories/masks.js';
import { upsertModels } from '../../db/repositories/models.js';
import { createGraphQLHandler, type ServiceOptions } from '../../service/http.js';
import { MaskSearch, type MaskSearchOptions } from '../../search/mask-search.js';
import type { RefImage, RefMask } from '../support/brute-force.js';
import { blobMask, seededRandom } from '../db/mask-fixtures.js';
import { createFreshStore } from '../db/fresh-store.js';
import type { FreshStore } from '../db/fresh-store.js';

export const CHI = { levels: [{ grid: 1, bins: 64 }, { grid: 4, bins: 8 }] };

export interface Seeded {
  images: Map<number, RefImage & { key: string; label: string; split: string }>;
  masks: (RefMask & { modelName: string | null; maskType: string })[];
}

/**
 * Images of a few sizes (some without an object box), each with a model saliency mask and, for
 * most, a human-attention mask of the same size; a few masks stored without a CHI.
 */
export async function seedStore(store: DatabaseHandle, images = 40, seed = 1): Promise<Seeded> {
  const random = seededRandom(seed);
  const [resnet, vit] = await upsertModels(store.db, [{ name: 'resnet50', kind: 'classifier' }, { name: 'vit-b16', kind: 'classifier' }]);
  const records = Array.from({ length: images }, (_, i) => {
    const width = [24, 32, 17][i % 3];
    const height = [24, 20, 33][i % 3];
    const box: [number, number, number, number] = [Math.floor(random() * width / 2), Math.floor(random() * height / 2), 3 + Math.floor(random() * width / 2), 3 + Math.floor(random() * height / 2)];
    return {
      key: `img-${String(i).padStart(3, '0')}`,
      width,
      height,
      label: ['cat', 'dog', 'bird'][i % 3],
      split: i % 4 === 0 ? 'val' : 'train',
      boxes: (i % 7 === 3 ? {} : { object: box }) as Record<string, [number, number, number, number]>,
    };
  });
  const imageIds = await upsertImages(store.db, records);
  const seeded: Seeded = { images: new Map(), masks: [] };
  const pending: { imageId: number; modelId: number | null; modelName: string | null; maskType: string; mask: Mask; withChi: boolean }[] = [];
  records.forEach((r, i) => {
    const imageId = imageIds[i];
    seeded.images.set(imageId, { id: imageId, width: r.width, height: r.height, boxes: r.boxes, key: r.key, label: r.label, split: r.split });
    const modelId = i % 2 === 0 ? resnet : vit;
    pending.push({ imageId, modelId, modelName: i % 2 === 0 ? 'resnet50' : 'vit-b16', maskType: 'saliency', mask: blobMask(r.width, r.height, seed * 1000 + i), withChi: i % 9 !== 5 });
    if (i % 5 !== 4) pending.push({ imageId, modelId: null, modelName: null, maskType: 'human-attention', mask: blobMask(r.width, r.height, seed * 7000 + i), withChi: true });
  });
  const inserted = await insertMasks(
    store.db,
    pending.map((p) => ({
      imageId: p.imageId,
      modelId: p.modelId,
      maskType: p.maskType,
      source: p.maskType === 'saliency' ? 'gradcam' : 'eyetracking',
      mask: p.mask,
      chi: p.withChi ? serializeChi(buildChi(p.mask, CHI)) : null,
    })),
  );
  pending.forEach((p, i) => seeded.masks.push({ id: inserted[i].id, imageId: p.imageId, mask: p.mask, modelName: p.modelName, maskType: p.maskType }));
  return seeded;
}

export type GraphQLResult<T> = { data?: T; errors?: { message: string; extensions?: { code?: string; argumentPath?: string; requestId?: string } }[] };

/** The admin secret the fixture's service accepts; gql and upload send it unless told otherwise. */
export const TEST_OPERATOR_TOKEN = 'test-operator-token';

export interface RunningService {
  fresh: FreshStore;
  store: DatabaseHandle;
  service: MaskSearch;
  gql: <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLResult<T>>;
  /** A GraphQL multipart request: `files` fill the variable `$files` in order. */
  upload: <T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, files: readonly { name: string; bytes: Uint8Array }[]) => Promise<GraphQLResult<T>>;
  /** A raw request to the GraphQL handler, as a client sends it (no token added). */
  fetch(init: RequestInit & { path?: string }): Promise<Response>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A fresh store with the service over it, queried through yoga's fetch as a client would. */
export async function startService(
  seed?: (store: DatabaseHandle) => Promise<void>,
  onQuery?: (sql: string) => void,
  options: MaskSearchOptions = {},
  http: ServiceOptions & { token?: string | null } = {},
): Promise<RunningService> {
  const { token = TEST_OPERATOR_TOKEN, ...serviceOptions } = http;
  const handlerOptions: ServiceOptions = { ...serviceOptions, access: serviceOptions.access ?? { anonymous: 'read', operatorToken: TEST_OPERATOR_TOKEN } };
  const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const fresh = await createFreshStore();
  let store = await fresh.open();
  await seed?.(store);
  if (onQuery) {
    await store.close();
    store = await openDatabase({ ...fresh.options, onQuery });
  }
  let service = await MaskSearch.start(store, { chi: CHI, ...options });
  let yoga = createGraphQLHandler(service, handlerOptions);
  const running: RunningService = {
    fresh,
    store,
    service,
    async gql(query, variables) {
      const response = await yoga.fetch('http://masksearch.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authorization },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async upload(query, variables, files) {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query, variables: { ...variables, files: files.map(() => null) } }));
      form.set('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
      files.forEach((f, i) => form.set(String(i), new Blob([f.bytes as Uint8Array<ArrayBuffer>]), f.name));
      const response = await yoga.fetch('http://masksearch.test/graphql', { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1', ...authorization } });
      return response.json();
    },
    fetch: async ({ path = '/graphql', ...init }) => yoga.fetch(`http://masksearch.test${path}`, init),
    async restart() {
      await service.close();
      await store.close();
      store = await fresh.open();
      service = await MaskSearch.start(store, { chi: CHI, ...options });
      yoga = createGraphQLHandler(service, handlerOptions);
      Object.assign(running, { store, service });
    },
    async stop() {
      await service.close();
      if (onQuery) await store.close();
      await fresh.cleanup();
    },
  };
  return running;
}
