import { useMemo } from 'react';
import { VOCABULARY_QUERY } from '../api/documents.js';
import type { Vocabulary } from '../api/types.js';
import { useGraphQL } from './use-graphql.js';

/** Names the builder suggests; what is typed need not be among them. */
export interface Suggestions {
  models: string[];
  maskTypes: string[];
  labels: string[];
  splits: string[];
  boxNames: string[];
}

// The API has no "distinct values" query; a sample of images names what the data holds well enough to suggest.
const SAMPLE = { sample: 500 };

const distinct = (values: (string | null)[]): string[] => [...new Set(values.filter((v): v is string => v !== null))].sort();

/** Suggestions from the data; none while they load or if they fail, when every field still takes typed names. */
export function useSuggestions(): Suggestions {
  const vocabulary = useGraphQL<Vocabulary>(VOCABULARY_QUERY, SAMPLE);
  return useMemo(() => {
    const { models, images } = vocabulary.status === 'done' ? vocabulary.data : { models: [], images: { nodes: [] } };
    return {
      models: distinct(models.map((m) => m.name)),
      maskTypes: distinct(images.nodes.flatMap((i) => i.masks.map((m) => m.maskType))),
      labels: distinct(images.nodes.map((i) => i.label)),
      splits: distinct(images.nodes.map((i) => i.split)),
      boxNames: distinct(images.nodes.flatMap((i) => i.boxes.map((b) => b.name))),
    };
  }, [vocabulary]);
}
