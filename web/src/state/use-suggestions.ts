import { useMemo } from 'react';
import type { Facets, FacetValue } from '../api/types.js';

/** Names the builder suggests; what is typed need not be among them. */
export interface Suggestions {
  models: string[];
  maskTypes: string[];
  labels: string[];
  splits: string[];
  tags: string[];
  boxNames: string[];
}

const names = (values: readonly FacetValue[]): string[] => values.flatMap((f) => (f.value === null ? [] : [f.value])).sort();

/** Suggestions from the store's facets (every distinct value); none while they load, when every field still takes typed names. */
export function useSuggestions(facets: Facets | null): Suggestions {
  return useMemo(
    () => ({
      models: names(facets?.models ?? []),
      maskTypes: names(facets?.maskTypes ?? []),
      labels: names(facets?.labels ?? []),
      splits: names(facets?.splits ?? []),
      tags: names(facets?.tags ?? []),
      boxNames: names(facets?.boxNames ?? []),
    }),
    [facets],
  );
}
