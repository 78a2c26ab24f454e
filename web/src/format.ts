const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const formatCount = (n: number): string => integer.format(n);

export const formatMs = (ms: number): string => (ms < 10 ? `${ms.toFixed(1)} ms` : `${integer.format(ms)} ms`);

/** A query's value: counts as integers, fractions and IoU to four places. */
export const formatValue = (value: number, isCount: boolean): string => (isCount ? integer.format(value) : value.toFixed(4));

/** How to call a query's value in a caption. */
export const valueCaption = (measure: 'COUNT' | 'ROI_FRACTION' | 'IOU'): string =>
  measure === 'COUNT' ? 'pixels' : measure === 'IOU' ? 'IoU' : 'of ROI';
