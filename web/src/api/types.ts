/** Shapes of the results of the operations in operations.graphql, as generated.ts has them from the schema. */
import type {
  AggregateQuery,
  AgreementQuery,
  FilterQuery,
  ImageDetailQuery,
  ImageFieldsFragment,
  MaskFieldsFragment,
  StatsFieldsFragment,
  TopKQuery,
  VocabularyQuery,
} from './generated.js';

/** The demo data puts prediction, correct, scenario and attacked in metadata; other data anything. */
export type ImageSummary = ImageFieldsFragment;

export type Colormap = 'gray' | 'turbo' | 'viridis';

export type MaskSummary = MaskFieldsFragment;

export type QueryStats = StatsFieldsFragment;

export type FilterResult = FilterQuery['result'];

export type TopKResult = TopKQuery['result'];

export type AggregateResult = AggregateQuery['result'];

export type Vocabulary = VocabularyQuery;

export type ImageDetail = ImageDetailQuery;

export type Agreement = AgreementQuery;
