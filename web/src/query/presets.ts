import type { QueryState } from './query-state.js';
import { DEFAULT_QUERY } from './query-state.js';

/** The three scenarios of the MaskSearch demonstration, as queries over the demo data (`masksearch demo`). */
export interface Preset {
  id: string;
  title: string;
  /** What the results show, and what to look for. */
  description: string;
  /** The demo images planted for this scenario carry this metadata.scenario; they should rank first. */
  scenario: string;
  query: QueryState;
}

const base = { ...DEFAULT_QUERY, where: { ...DEFAULT_QUERY.where, maskTypes: ['saliency'] } };

export const PRESETS: readonly Preset[] = [
  {
    id: 'background-focus',
    title: 'Model looks at the background',
    description:
      'Saliency maps with the smallest share of the object box above 0.6: the classifier decided on something outside the object, a spurious correlation to fix.',
    scenario: 'background-focus',
    query: {
      ...base,
      kind: 'topk',
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
    scenario: 'dispersed',
    query: {
      ...base,
      kind: 'topk',
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
      'Images whose saliency and human attention, each above 0.5, overlap least (IoU, smallest first). An image with only one of the two masks has IoU 1 with itself and so ranks last.',
    scenario: 'human-disagrees',
    query: {
      ...base,
      kind: 'aggregate',
      // No model filter: human attention belongs to no model and would be filtered out.
      where: { ...base.where, maskTypes: ['saliency', 'human-attention'] },
      roi: { kind: 'full' },
      aggregate: { op: 'INTERSECT', measure: 'IOU', threshold: 0.5, ranked: true },
      rank: { k: 25, order: 'ASC' },
    },
  },
];
