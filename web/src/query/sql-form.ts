import type { QueryState, Roi, ValueRange, Where } from './query-state.js';

/**
 * The query in the SQL-like form of the MaskSearch paper, e.g.
 * `SELECT mask_id FROM masks WHERE CP(mask, roi, (0.5, 1]) / area(roi) < 0.2`. Ranges are
 * written as intervals: `(` and `)` leave the end out, `[` and `]` take it in.
 */

const COMPARE = { GT: '>', GTE: '>=', LT: '<', LTE: '<=' } as const;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
const list = (values: string[]) => values.map(quote).join(', ');

function roiText(roi: Roi): string {
  if (roi.kind === 'full') return 'full_image';
  if (roi.kind === 'imageBox') return `image_box(${quote(roi.name)})`;
  return `box(${roi.x}, ${roi.y}, ${roi.width}, ${roi.height})`;
}

function rangeText({ lower, upper }: ValueRange): string {
  const open = lower ? `${lower.inclusive ? '[' : '('}${lower.value}` : '(-∞';
  const close = upper ? `${upper.value}${upper.inclusive ? ']' : ')'}` : '∞)';
  return `${open}, ${close}`;
}

function whereTerms(where: Where): string[] {
  const terms: [string, string[]][] = [
    ['mask_type', where.maskTypes],
    ['model', where.modelNames],
    ['image.label', where.imageLabels],
    ['image.split', where.imageSplits],
    ['source', where.sources],
  ];
  const tags = where.imageTags.length > 0 ? [`image.tags && ARRAY[${list(where.imageTags)}]`] : [];
  return [...terms.filter(([, values]) => values.length > 0).map(([column, values]) => `${column} IN (${list(values)})`), ...tags];
}

function cpTerm(query: QueryState): string {
  const cp = `CP(mask, ${roiText(query.roi)}, ${rangeText(query.range)})`;
  return query.normalize === 'ROI_FRACTION' ? `${cp} / area(roi)` : cp;
}

function aggregateTerm(query: QueryState): string {
  const { op, measure, threshold } = query.aggregate;
  const roi = roiText(query.roi);
  const count = (combine: string) => `CP(${combine}(mask > ${threshold}), ${roi})`;
  if (measure === 'IOU') return `${count('INTERSECT')} / ${count('UNION')}`;
  return measure === 'ROI_FRACTION' ? `${count(op)} / area(roi)` : count(op);
}

export function sqlForm(query: QueryState): string {
  const where = whereTerms(query.where);
  const compare = `${COMPARE[query.compare.op]} ${query.compare.value}`;
  const orderBy = (term: string) => `ORDER BY ${term} ${query.rank.order}\nLIMIT ${query.rank.k}`;
  if (query.kind === 'aggregate') {
    const term = aggregateTerm(query);
    const lines = [`SELECT image_id, ${term} AS value`, 'FROM masks'];
    if (where.length) lines.push(`WHERE ${where.join('\n  AND ')}`);
    lines.push('GROUP BY image_id');
    lines.push(query.aggregate.ranked ? orderBy('value') : `HAVING value ${compare}`);
    return lines.join('\n');
  }
  const term = cpTerm(query);
  if (query.kind === 'filter') return ['SELECT mask_id FROM masks', `WHERE ${[...where, `${term} ${compare}`].join('\n  AND ')}`].join('\n');
  const lines = ['SELECT mask_id FROM masks'];
  if (where.length) lines.push(`WHERE ${where.join('\n  AND ')}`);
  lines.push(orderBy(term));
  return lines.join('\n');
}
