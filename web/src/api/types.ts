/** Shapes of the results of the operations in operations.graphql, as generated.ts has them from the schema. */
import type {
  AggregateQuery,
  AgreementQuery,
  BrowseQuery,
  DatasetQuery,
  FacetsFieldsFragment,
  FacetValueFieldsFragment,
  FilterQuery,
  ImageDetailQuery,
  ImageFieldsFragment,
  MaskFieldsFragment,
  PredictionsFieldsFragment,
  StatsFieldsFragment,
  TopKQuery,
} from './generated.js';

/** The demo data puts prediction, correct, scenario and attacked in metadata; other data anything. */
export type ImageSummary = ImageFieldsFragment;

export type Colormap = 'gray' | 'turbo' | 'viridis';

export type MaskSummary = MaskFieldsFragment;

export type QueryStats = StatsFieldsFragment;

export type FilterResult = FilterQuery['result'];

export type TopKResult = TopKQuery['result'];

export type AggregateResult = AggregateQuery['result'];

export type ImageDetail = ImageDetailQuery;

export type Agreement = AgreementQuery;

/** One distinct value of a facet; value null: none (no label, no split, no model). */
export type FacetValue = FacetValueFieldsFragment;

/** Labels against metadata.prediction over the selected images. */
export type Predictions = PredictionsFieldsFragment;

export type Facets = FacetsFieldsFragment;

export type Seeding = DatasetQuery['seeding'];

/** One image of the browsing grid's window. */
export type BrowsedImage = BrowseQuery['window']['images'][number];
