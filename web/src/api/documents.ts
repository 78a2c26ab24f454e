/** The GraphQL operations the explorer sends, written in operations.graphql; generated.ts holds them with their types. */
export {
  AggregateDocument as AGGREGATE_QUERY,
  AgreementDocument as AGREEMENT_QUERY,
  FilterDocument as FILTER_QUERY,
  ImageDetailDocument as IMAGE_DETAIL_QUERY,
  TopKDocument as TOP_K_QUERY,
} from './generated.js';
