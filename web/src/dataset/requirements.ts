import type { Facets } from '../api/types.js';
import type { QueryState } from '../query/query-state.js';

/**
 * What a query names that the store does not hold yet: a model, a mask type, a tag or an image
 * box. While a demo is seeding, such a query would fail ("no image has a box named 'object'") or
 * find nothing, so the explorer waits for the data instead of running it.
 */
export function missingData(query: QueryState, facets: Facets): string[] {
  const has = (list: { value: string | null }[], value: string) => list.some((f) => f.value === value);
  const missing: string[] = [];
  const wheres = [query.where, ...(query.kind === 'aggregate' ? query.aggregate.members.map((m) => m.where) : [])];
  const named = (field: 'modelNames' | 'maskTypes' | 'imageTags') => [...new Set(wheres.flatMap((w) => w[field]))];
  for (const name of named('modelNames')) if (!has(facets.models, name)) missing.push(`model ${name}`);
  for (const type of named('maskTypes')) if (!has(facets.maskTypes, type)) missing.push(`${type} masks`);
  for (const tag of named('imageTags')) if (!has(facets.tags, tag)) missing.push(`images tagged ${tag}`);
  if (query.roi.kind === 'imageBox' && !has(facets.boxNames, query.roi.name)) missing.push(`image boxes named ${query.roi.name}`);
  return missing;
}
