/** Which masks a query considers; every list given must match (AND), any entry within a list (OR). */
export interface MaskWhere {
  ids?: readonly number[] | null;
  imageKeys?: readonly string[] | null;
  modelNames?: readonly string[] | null;
  maskTypes?: readonly string[] | null;
  sources?: readonly string[] | null;
  imageLabels?: readonly string[] | null;
  imageSplits?: readonly string[] | null;
  /** Images carrying any of these tags. */
  imageTags?: readonly string[] | null;
}

export interface CatalogMask {
  id: number;
  imageId: number;
  modelId: number | null;
  maskType: string;
  source: string;
}

export interface CatalogImage {
  id: number;
  key: string;
  label: string | null;
  split: string | null;
  tags: readonly string[];
}

const given = <T>(list: readonly T[] | null | undefined): list is readonly T[] => list !== undefined && list !== null;

/**
 * The metadata every query filters on, held in memory so that choosing candidates among 100,000
 * masks costs a scan of small records rather than a database round trip.
 */
export class MaskCatalog {
  private readonly masks = new Map<number, CatalogMask>();
  private readonly images = new Map<number, CatalogImage>();
  private readonly modelIdByName = new Map<string, number>();
  private readonly modelIds = new Set<number>();

  putImage(image: CatalogImage): void {
    this.images.set(image.id, image);
  }

  putModel(id: number, name: string): void {
    this.modelIdByName.set(name, id);
    this.modelIds.add(id);
  }

  hasModel(name: string): boolean {
    return this.modelIdByName.has(name);
  }

  hasModelId(id: number): boolean {
    return this.modelIds.has(id);
  }

  putMask(mask: CatalogMask): void {
    this.masks.set(mask.id, mask);
  }

  removeMask(id: number): void {
    this.masks.delete(id);
  }

  get size(): number {
    return this.masks.size;
  }

  allIds(): number[] {
    return [...this.masks.keys()];
  }

  /** Mask ids matching where, or undefined for "every mask" (no condition given). */
  select(where: MaskWhere | null | undefined): number[] | undefined {
    if (!where || Object.values(where).every((v) => !given(v))) return undefined;
    const imageOk = this.imagePredicate(where);
    const modelIds = given(where.modelNames) ? new Set(where.modelNames.map((n) => this.modelIdByName.get(n))) : null;
    const types = given(where.maskTypes) ? new Set(where.maskTypes) : null;
    const sources = given(where.sources) ? new Set(where.sources) : null;
    const matches = (m: CatalogMask): boolean =>
      (!modelIds || (m.modelId !== null && modelIds.has(m.modelId))) &&
      (!types || types.has(m.maskType)) &&
      (!sources || sources.has(m.source)) &&
      (!imageOk || imageOk(m.imageId));
    if (given(where.ids)) {
      return [...new Set(where.ids)].filter((id) => {
        const m = this.masks.get(id);
        return m !== undefined && matches(m);
      });
    }
    const out: number[] = [];
    for (const m of this.masks.values()) if (matches(m)) out.push(m.id);
    return out;
  }

  private imagePredicate(where: MaskWhere): ((imageId: number) => boolean) | null {
    const keys = given(where.imageKeys) ? new Set(where.imageKeys) : null;
    const labels = given(where.imageLabels) ? new Set(where.imageLabels) : null;
    const splits = given(where.imageSplits) ? new Set(where.imageSplits) : null;
    const tags = given(where.imageTags) ? new Set(where.imageTags) : null;
    if (!keys && !labels && !splits && !tags) return null;
    const verdict = new Map<number, boolean>();
    return (imageId) => {
      let ok = verdict.get(imageId);
      if (ok === undefined) {
        const image = this.images.get(imageId);
        ok =
          image !== undefined &&
          (!keys || keys.has(image.key)) &&
          (!labels || (image.label !== null && labels.has(image.label))) &&
          (!splits || (image.split !== null && splits.has(image.split))) &&
          (!tags || image.tags.some((tag) => tags.has(tag)));
        verdict.set(imageId, ok);
      }
      return ok;
    };
  }
}
