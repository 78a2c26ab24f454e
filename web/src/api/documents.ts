/** The GraphQL operations the explorer sends, written in operations.graphql; generated.ts holds them with their types. */
export {
  AggregateDocument as AGGREGATE_QUERY,
  AgreementDocument as AGREEMENT_QUERY,
  BrowseDocument as BROWSE_QUERY,
  DatasetDocument as DATASET_QUERY,
  FacetsDocument as FACETS_QUERY,
  FilterDocument as FILTER_QUERY,
  ImageDetailDocument as IMAGE_DETAIL_QUERY,
  PredictionsDocument as PREDICTIONS_QUERY,
  SeedingProgressDocument as SEEDING_PROGRESS_QUERY,
  TagImagesDocument as TAG_IMAGES_MUTATION,
  TopKDocument as TOP_K_QUERY,
} from './generated.js';
