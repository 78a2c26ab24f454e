/** The operations of the dataset view: facets, seeding progress, browsing by position, tags. */

const FACET = 'value count images';

export const FACETS_QUERY = `query Facets($where: MaskWhere) {
  facets: maskFacets(where: $where) {
    masks images
    labels { ${FACET} } splits { ${FACET} } models { ${FACET} } maskTypes { ${FACET} } sources { ${FACET} } tags { ${FACET} } boxNames { ${FACET} }
    predictions { images correct accuracy topConfusions { label prediction images } }
  }
}`;

export const DATASET_QUERY = `query Dataset {
  seeding { state dataset imagesPlanned imagesMade masksPlanned masksStored message }
  facets: maskFacets {
    masks images
    labels { ${FACET} } splits { ${FACET} } models { ${FACET} } maskTypes { ${FACET} } sources { ${FACET} } tags { ${FACET} } boxNames { ${FACET} }
    predictions { images correct accuracy topConfusions { label prediction images } }
  }
  all: browseImages(limit: 0) { totalCount }
}`;

export const BROWSE_QUERY = `query Browse($where: MaskWhere, $offset: Int, $limit: Int) {
  window: browseImages(where: $where, offset: $offset, limit: $limit) {
    totalCount
    images { id key label split width height tags metadata }
  }
}`;

export const TAG_IMAGES_MUTATION = `mutation TagImages($imageKeys: [String!], $where: MaskWhere, $add: [String!], $remove: [String!]) {
  tagImages(imageKeys: $imageKeys, where: $where, add: $add, remove: $remove) { changedImages }
}`;

export const PREDICTIONS_QUERY = `query Predictions($where: MaskWhere) {
  facets: maskFacets(where: $where) { predictions { images correct accuracy topConfusions { label prediction images } } }
}`;

export interface FacetValue {
  value: string | null;
  count: number;
  images: number;
}

export interface Predictions {
  images: number;
  correct: number;
  accuracy: number | null;
  topConfusions: { label: string; prediction: string; images: number }[];
}

export interface Facets {
  masks: number;
  images: number;
  labels: FacetValue[];
  splits: FacetValue[];
  models: FacetValue[];
  maskTypes: FacetValue[];
  sources: FacetValue[];
  tags: FacetValue[];
  boxNames: FacetValue[];
  predictions: Predictions;
}

export interface Seeding {
  state: 'none' | 'seeding' | 'done' | 'stopped' | 'failed';
  dataset: string | null;
  imagesPlanned: number;
  imagesMade: number;
  masksPlanned: number;
  masksStored: number;
  message: string | null;
}

export interface BrowsedImage {
  id: string;
  key: string;
  label: string | null;
  split: string | null;
  width: number | null;
  height: number | null;
  tags: string[];
  metadata: Record<string, unknown>;
}
