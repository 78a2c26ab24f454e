import { builder } from './builder.js';

export const NormalizeEnum = builder.enumType('MaskSearchNormalize', {
  description: 'COUNT: the number of pixels; ROI_FRACTION: that number divided by the area of the ROI.',
  values: ['COUNT', 'ROI_FRACTION'] as const,
});

export const CompareOpEnum = builder.enumType('MaskSearchCompareOp', { values: ['GT', 'GTE', 'LT', 'LTE'] as const });

export const OrderEnum = builder.enumType('MaskSearchOrder', {
  description: 'DESC: largest values first; ASC: smallest first. Ties are broken by id, ascending.',
  values: ['ASC', 'DESC'] as const,
});

export const AggregateOpEnum = builder.enumType('MaskSearchAggregateOp', {
  description: 'INTERSECT: pixels set in every mask of the group; UNION: in any.',
  values: ['INTERSECT', 'UNION'] as const,
});

export const AggregateMeasureEnum = builder.enumType('MaskSearchAggregateMeasure', {
  description: 'COUNT: pixels of the aggregate in the ROI; ROI_FRACTION: that count / area(ROI); IOU: |INTERSECT| / |UNION| in the ROI.',
  values: ['COUNT', 'ROI_FRACTION', 'IOU'] as const,
});

export const ColormapEnum = builder.enumType('MaskSearchColormap', { values: ['GRAY', 'VIRIDIS', 'TURBO'] as const });

export const DuplicatePolicyEnum = builder.enumType('MaskSearchDuplicatePolicy', {
  description: 'When an image already has a mask of the same model and type: ERROR fails the file, SKIP keeps the old mask, REPLACE stores the new one (under a new id).',
  values: ['ERROR', 'SKIP', 'REPLACE'] as const,
});
