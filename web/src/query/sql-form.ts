import type { AggregateMember, QueryState, Roi, ValueRange, Where } from './query-state.js';

/**
 * The query in the SQL-like form of the MaskSearch paper, e.g.
 * `SELECT mask_id FROM masks WHERE CP(mask, roi, (0.5, 1]) / area(roi) < 0.2`. Ranges are
 * written as intervals: `(` and `)` leave the end out, `[` and `]` take it in. An aggregation with
 * members joins one row of masks per member (m1, m2, …) on the image, each with its conditions.
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

/**
 * The where's conditions. In a join of members, `mask` prefixes the mask's own columns (`m1.`),
 * or null leaves them out, and `image: false` leaves out the image's (written once for all).
 */
function whereTerms(where: Where, { mask = '', image = true }: { mask?: string | null; image?: boolean } = {}): string[] {
  const terms: [string, string[], 'mask' | 'image'][] = [
    ['mask_type', where.maskTypes, 'mask'],
    ['model', where.modelNames, 'mask'],
    ['image.label', where.imageLabels, 'image'],
    ['image.split', where.imageSplits, 'image'],
    ['source', where.sources, 'mask'],
  ];
  const shown = terms.filter(([, values, of]) => values.length > 0 && (of === 'mask' ? mask !== null : image));
  const tags = image && where.imageTags.length > 0 ? [`image.tags && ARRAY[${list(where.imageTags)}]`] : [];
  return [...shown.map(([column, values, of]) => `${of === 'mask' ? mask : ''}${column} IN (${list(values)})`), ...tags];
}

function cpTerm(query: QueryState): string {
  const cp = `CP(mask, ${roiText(query.roi)}, ${rangeText(query.range)})`;
  return query.normalize === 'ROI_FRACTION' ? `${cp} / area(roi)` : cp;
}

function aggregateTerm(query: QueryState): string {
  const { op, measure, threshold, members } = query.aggregate;
  const roi = roiText(query.roi);
  const binarised = members.length === 0 ? `mask > ${threshold}` : members.map((m, i) => `m${i + 1}.mask > ${m.threshold ?? threshold}`).join(', ');
  const count = (combine: string) => `CP(${combine}(${binarised}), ${roi})`;
  if (measure === 'IOU') return `${count('INTERSECT')} / ${count('UNION')}`;
  return measure === 'ROI_FRACTION' ? `${count(op)} / area(roi)` : count(op);
}

export function sqlForm(query: QueryState): string {
  const where = whereTerms(query.where);
  const compare = `${COMPARE[query.compare.op]} ${query.compare.value}`;
  const orderBy = (term: string) => `ORDER BY ${term} ${query.rank.order}\nLIMIT ${query.rank.k}`;
  if (query.kind === 'aggregate' && query.aggregate.members.length > 0) return membersForm(query, orderBy, compare);
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

/**
 * An aggregation over members: one mask per member of each image, joined on the image. The
 * query's where holds for every member (its image conditions are written once: the image is shared).
 */
function membersForm(query: QueryState, orderBy: (term: string) => string, compare: string): string {
  const { members } = query.aggregate;
  const aliases = members.map((_, i) => `m${i + 1}`);
  const from = aliases.map((alias, i) => (i === 0 ? `masks ${alias}` : `JOIN masks ${alias} USING (image_id)`)).join(' ');
  const conditions = [
    ...whereTerms(query.where, { mask: null }),
    ...aliases.flatMap((alias, i) => [...whereTerms(query.where, { mask: `${alias}.`, image: false }), ...whereTerms(members[i].where, { mask: `${alias}.` })]),
  ];
  const lines = [`SELECT image_id, ${aggregateTerm(query)} AS value`, `FROM ${from}`];
  if (conditions.length) lines.push(`WHERE ${conditions.join('\n  AND ')}`);
  lines.push(query.aggregate.ranked ? orderBy('value') : `HAVING value ${compare}`);
  return lines.join('\n');
}

/** A member in words, for the builder: `saliency of demo-classifier`, `human-attention`. */
export function memberText(member: AggregateMember, threshold: number): string {
  const { maskTypes, modelNames, ...rest } = member.where;
  const others = Object.values(rest).some((values) => values.length > 0) ? whereTerms({ ...member.where, maskTypes: [], modelNames: [] }) : [];
  const text = [
    maskTypes.length > 0 ? maskTypes.join(' or ') : 'any mask',
    ...(modelNames.length > 0 ? [`of ${modelNames.join(' or ')}`] : []),
    ...(others.length > 0 ? [`where ${others.join(' and ')}`] : []),
  ].join(' ');
  return `${text}, above ${member.threshold ?? threshold}`;
}
