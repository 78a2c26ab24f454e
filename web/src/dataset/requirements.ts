import type { Facets } from '../api/explore-documents.js';
import type { QueryState } from '../query/query-state.js';

/**
 * What a query names that the store does not hold yet: a model, a mask type, a tag or an image
 * box. While a demo is seeding, such a query would fail ("no image has a box named 'object'") or
 * find nothing, so the explorer waits for the data instead of running it.
 */
export function missingData(query: QueryState, facets: Facets): string[] {
  const has = (list: { value: string | null }[], value: string) => list.some((f) => f.value === value);
  const missing: string[] = [];
  for (const name of query.where.modelNames) if (!has(facets.models, name)) missing.push(`model ${name}`);
  for (const type of query.where.maskTypes) if (!has(facets.maskTypes, type)) missing.push(`${type} masks`);
  for (const tag of query.where.imageTags) if (!has(facets.tags, tag)) missing.push(`images tagged ${tag}`);
  if (query.roi.kind === 'imageBox' && !has(facets.boxNames, query.roi.name)) missing.push(`image boxes named ${query.roi.name}`);
  return missing;
}
