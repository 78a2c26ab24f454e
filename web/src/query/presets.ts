import type { AggregateMember, QueryState } from './query-state.js';
import { DEFAULT_QUERY, EVERY_MASK } from './query-state.js';

/** The three scenarios of the MaskSearch demonstration, as queries over the demo data (`masksearch demo`, `masksearch demo --real`). */
export interface Preset {
  id: string;
  title: string;
  /** What the results show, and what to look for. */
  description: string;
  /** Which demo data it runs on. */
  dataset: 'real' | 'synthetic';
  /** Synthetic data: the images planted for this scenario carry this metadata.scenario; they should rank first. */
  scenario: string | null;
  query: QueryState;
}

/** The model of the synthetic demo and the detector of the real one (demo/seed.ts, demo/real/seed.ts). */
const SYNTHETIC_MODEL = 'demo-classifier';
const REAL_MODEL = 'centernet-coco';
/** The tags each demo gives its images: they keep an aggregation to one demo's images. */
const SYNTHETIC_TAG = 'synthetic';
const REAL_TAG = 'nus-scene';

const where = (changes: Partial<QueryState['where']>): QueryState['where'] => ({ ...DEFAULT_QUERY.where, ...changes });
const saliencyOf = (model: string) => where({ maskTypes: ['saliency'], modelNames: [model] });

/** Of each image, the model's saliency and the people's attention (which belongs to no model). */
const modelAndPeople = (model: string): AggregateMember[] => [
  { where: { ...EVERY_MASK, maskTypes: ['saliency'], modelNames: [model] }, threshold: null },
  { where: { ...EVERY_MASK, maskTypes: ['human-attention'] }, threshold: null },
];

export const PRESETS: readonly Preset[] = [
  {
    id: 'real-disagree',
    title: 'Real photos: model and people disagree',
    description:
      "The 10 NUS Scene photos where the detector's attention and the 12 observers' fixations, each above 0.3, overlap least (IoU, smallest first): what people look at that the model does not, and the reverse.",
    dataset: 'real',
    scenario: null,
    query: {
      ...DEFAULT_QUERY,
      kind: 'aggregate',
      // The real photos; of each, the detector's saliency and the people's attention.
      where: where({ maskTypes: [], imageTags: [REAL_TAG] }),
      roi: { kind: 'full' },
      // 0.3 rather than 0.5: at 0.5 ten photos tie at IoU 0 (measured on this data), at 0.3 three do and the rest rank.
      aggregate: { op: 'INTERSECT', measure: 'IOU', threshold: 0.3, ranked: true, members: modelAndPeople(REAL_MODEL) },
      rank: { k: 10, order: 'ASC' },
    },
  },
  {
    id: 'real-outside-object',
    title: 'Real photos: people look outside the detected object',
    description:
      "Human-attention maps of the real photos with the smallest share of the detector's best box above 0.5: people look at something other than what the model found.",
    dataset: 'real',
    scenario: null,
    query: {
      ...DEFAULT_QUERY,
      kind: 'topk',
      where: where({ maskTypes: ['human-attention'], imageTags: [REAL_TAG] }),
      roi: { kind: 'imageBox', name: 'object' },
      range: { lower: { value: 0.5, inclusive: false }, upper: null },
      normalize: 'ROI_FRACTION',
      rank: { k: 10, order: 'ASC' },
    },
  },
  {
    id: 'real-dispersed',
    title: 'Real photos: dispersed model attention',
    description: "The detector's attention maps with the largest share of middling values (0.2 to 0.6): no single object stands out.",
    dataset: 'real',
    scenario: null,
    query: {
      ...DEFAULT_QUERY,
      kind: 'topk',
      where: saliencyOf(REAL_MODEL),
      roi: { kind: 'full' },
      range: { lower: { value: 0.2, inclusive: false }, upper: { value: 0.6, inclusive: false } },
      normalize: 'ROI_FRACTION',
      rank: { k: 10, order: 'DESC' },
    },
  },
  {
    id: 'background-focus',
    title: 'Model looks at the background',
    description:
      'Saliency maps with the smallest share of the object box above 0.6: the classifier decided on something outside the object, a spurious correlation to fix.',
    dataset: 'synthetic',
    scenario: 'background-focus',
    query: {
      ...DEFAULT_QUERY,
      kind: 'topk',
      where: saliencyOf(SYNTHETIC_MODEL),
      roi: { kind: 'imageBox', name: 'object' },
      range: { lower: { value: 0.6, inclusive: false }, upper: null },
      normalize: 'ROI_FRACTION',
      rank: { k: 25, order: 'ASC' },
    },
  },
  {
    id: 'dispersed',
    title: 'Dispersed attention (attacked images)',
    description:
      'Saliency maps with the largest share of middling values (0.2 to 0.6) over the whole image: attention spread everywhere, as adversarially perturbed inputs show it.',
    dataset: 'synthetic',
    scenario: 'dispersed',
    query: {
      ...DEFAULT_QUERY,
      kind: 'topk',
      where: saliencyOf(SYNTHETIC_MODEL),
      roi: { kind: 'full' },
      range: { lower: { value: 0.2, inclusive: false }, upper: { value: 0.6, inclusive: false } },
      normalize: 'ROI_FRACTION',
      rank: { k: 25, order: 'DESC' },
    },
  },
  {
    id: 'human-disagrees',
    title: 'People and model disagree',
    description:
      "Images whose classifier saliency and human attention, each above 0.5, overlap least (IoU, smallest first). Images lacking one of the two masks are left out.",
    dataset: 'synthetic',
    scenario: 'human-disagrees',
    query: {
      ...DEFAULT_QUERY,
      kind: 'aggregate',
      // The model is named in its member only: human attention belongs to no model. The tag keeps to the synthetic images.
      where: where({ maskTypes: [], imageTags: [SYNTHETIC_TAG] }),
      roi: { kind: 'full' },
      aggregate: { op: 'INTERSECT', measure: 'IOU', threshold: 0.5, ranked: true, members: modelAndPeople(SYNTHETIC_MODEL) },
      rank: { k: 25, order: 'ASC' },
    },
  },
];
