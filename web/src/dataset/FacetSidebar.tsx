import type { Facets, FacetValue } from '../api/types.js';
import type { Where } from '../query/query-state.js';
import { formatCount as count } from '../format.js';

interface Props {
  /** Counts under the current where; null while they load. */
  facets: Facets | null;
  where: Where;
  onChange(where: Where): void;
}

type FacetField = 'imageLabels' | 'imageSplits' | 'modelNames' | 'maskTypes' | 'sources' | 'imageTags';

const SECTIONS: readonly { title: string; field: FacetField; facet: keyof Pick<Facets, 'labels' | 'splits' | 'models' | 'maskTypes' | 'sources' | 'tags'> }[] = [
  { title: 'Label', field: 'imageLabels', facet: 'labels' },
  { title: 'Split', field: 'imageSplits', facet: 'splits' },
  { title: 'Model', field: 'modelNames', facet: 'models' },
  { title: 'Mask type', field: 'maskTypes', facet: 'maskTypes' },
  { title: 'Source', field: 'sources', facet: 'sources' },
  { title: 'Tags', field: 'imageTags', facet: 'tags' },
];

/** Shown per section before "show all". */
const SHORT_LIST = 8;

function toggled(list: readonly string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/**
 * The facets of the masks the where selects, with counts, as FiftyOne's sidebar shows them:
 * ticking a value narrows the where (within a facet any ticked value may match; across facets
 * all must), which narrows the browsing grid and every query alike. A value ticked but absent
 * under the where still shows, at 0, so it can be unticked.
 */
export function FacetSidebar({ facets, where, onChange }: Props) {
  return (
    <section className="facets" aria-labelledby="facets-heading" aria-busy={facets === null}>
      <h2 id="facets-heading">Filter</h2>
      {facets && (
        <p className="facet-total" data-testid="facet-total">
          {count(facets.masks)} masks on {count(facets.images)} images
        </p>
      )}
      {SECTIONS.map(({ title, field, facet }) => {
        const values: FacetValue[] = facets ? facets[facet].filter((f) => f.value !== null) : [];
        for (const chosen of where[field]) if (!values.some((v) => v.value === chosen)) values.push({ value: chosen, count: 0, images: 0 });
        if (values.length === 0) return null;
        return (
          <fieldset key={field} className="facet" data-facet={field}>
            <legend>{title}</legend>
            <ul>
              {values.slice(0, Math.max(SHORT_LIST, where[field].length)).map((f) => (
                <li key={f.value}>
                  <label>
                    <input type="checkbox" checked={where[field].includes(f.value!)} onChange={() => onChange({ ...where, [field]: toggled(where[field], f.value!) })} />
                    <span className="facet-value">{f.value}</span>
                    <span className="facet-count" title={`${count(f.count)} masks on ${count(f.images)} images`}>
                      {count(f.count)}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
            {values.length > SHORT_LIST && <p className="facet-more">and {values.length - SHORT_LIST} more (type them in the query's lists)</p>}
          </fieldset>
        );
      })}
      {Object.values(where).some((list) => list.length > 0) && (
        <button type="button" className="facet-clear" onClick={() => onChange({ modelNames: [], maskTypes: [], imageLabels: [], imageSplits: [], sources: [], imageTags: [] })}>
          Clear the filter
        </button>
      )}
    </section>
  );
}
