import type { CandidateEntry } from './candidate-cache.js';
import { cachedCandidates, roiKey, whereKey } from './candidate-cache.js';
import type { Candidates } from './candidates.js';
import { candidatesOf } from './candidates.js';
import { maskRoiRect } from './cp-plan.js';
import type { MaskTable } from './mask-table.js';
import type { RoiSpec } from './roi.js';
import { newRect, writeRect } from './roi.js';
import type { MaskWhere } from './where.js';
import { selectSlots } from './where.js';

/** What forms an aggregation's groups: none of it depends on the thresholds. */
export interface GroupSpec {
  where?: MaskWhere | null;
  /** One where per member; without, every mask of an image matching where takes part. */
  memberWheres?: readonly (MaskWhere | null | undefined)[] | null;
  roi: RoiSpec;
  /** Groups whose ROI has area 0 are dropped (IOU and ROI_FRACTION divide by area). */
  dropEmptyRoi: boolean;
  minRoiArea?: number;
}

/**
 * The image groups of an aggregation that can be measured (members of one size, ROI resolved,
 * large enough): group g has members start[g]..start[g + 1] − 1. Each member selector's masks
 * are Candidates of their own (with the group's ROI), memberOf mapping their items to members
 * (null: item i is member i, so bounds go straight into the members' arrays).
 */
export class AggregateGroups {
  constructor(
    readonly count: number,
    readonly imageIds: Float64Array,
    readonly start: Int32Array,
    readonly memberSlots: Int32Array,
    readonly memberIds: Float64Array,
    readonly selector: Int32Array,
    /** The group's ROI in its masks' pixels, 4 per group. */
    readonly rects: Int32Array,
    readonly areas: Int32Array,
    /** W, H of the group's masks. */
    readonly dims: Int32Array,
    readonly bySelector: readonly Candidates[],
    readonly memberOf: readonly (Int32Array | null)[],
    /** Image groups formed before dropping the unmeasurable ones. */
    readonly formed: number,
  ) {
    let members = count > 0 ? start[1] - start[0] : 0;
    for (let g = 1; g < count && members > 0; g++) if (start[g + 1] - start[g] !== members) members = 0;
    this.members = members;
  }

  /** Members per group when every group has as many, else 0. */
  readonly members: number;

  private order: Int32Array | undefined;
  private counts: Int32Array | undefined;

  /** 0, 1, …, count − 1: the item → group map of a plan that skips no group (shared, read only). */
  groupOrder(): Int32Array {
    return (this.order ??= Int32Array.from({ length: this.count }, (_, g) => g));
  }

  /** Members of each group: the weights of a plan that skips no group (shared, read only). */
  memberCounts(): Int32Array {
    return (this.counts ??= Int32Array.from({ length: this.count }, (_, g) => this.start[g + 1] - this.start[g]));
  }

  get bytes(): number {
    const own = this.count * (8 + 4 + 16 + 4 + 8 + 8) + this.memberSlots.length * (4 + 8 + 4);
    return own + this.bySelector.reduce((n, c, s) => n + c.bytes + (this.memberOf[s]?.byteLength ?? 0), 0);
  }
}

/** Slots common to two ascending slot lists. */
function intersectSlots(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let n = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      out[n++] = a[i];
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out.slice(0, n);
}

/** Group members as slots: start[g]..start[g + 1] in members, one group per image slot with any. */
interface RawGroups {
  start: Int32Array;
  members: Int32Array;
  /** The member index (selector) of each grouped slot; 0 without selectors. */
  selector: Int32Array;
  count: number;
  /** Masks of images skipped for lacking a member. */
  incompleteMasks: number;
}

function groupAll(table: MaskTable, slots: Int32Array): RawGroups {
  // Counting sort over image slots: no per-group allocation.
  const imageSlots = table.imageSlotCount;
  const { imageSlots: imageOf } = table.columns();
  const end = new Int32Array(imageSlots + 1);
  for (let k = 0; k < slots.length; k++) end[imageOf[slots[k]] + 1]++;
  let count = 0;
  for (let i = 1; i <= imageSlots; i++) {
    if (end[i] > 0) count++;
    end[i] += end[i - 1];
  }
  const grouped = new Int32Array(slots.length);
  const fill = end.slice(0, imageSlots);
  for (let k = 0; k < slots.length; k++) grouped[fill[imageOf[slots[k]]]++] = slots[k];
  const start = new Int32Array(count + 1);
  for (let i = 0, g = 0; i < imageSlots; i++) {
    if (end[i + 1] === end[i]) continue;
    start[++g] = end[i + 1];
  }
  return { start, members: grouped, selector: new Int32Array(slots.length), count, incompleteMasks: 0 };
}

/** Each member takes the image's mask matching its where with the smallest id; images lacking a member are skipped. */
function groupBySelectors(table: MaskTable, base: Int32Array, wheres: readonly (MaskWhere | null | undefined)[]): RawGroups {
  const n = wheres.length;
  const imageSlots = table.imageSlotCount;
  const chosen = new Int32Array(imageSlots * n).fill(-1);
  const present = new Int32Array(imageSlots);
  wheres.forEach((where, m) => {
    const slots = where ? intersectSlots(base, selectSlots(table, where)) : base;
    for (const slot of slots) {
      const at = table.imageSlotAt(slot) * n + m;
      const old = chosen[at];
      if (old < 0) present[table.imageSlotAt(slot)]++;
      if (old < 0 || table.idAt(slot) < table.idAt(old)) chosen[at] = slot;
    }
  });
  let complete = 0;
  let incompleteMasks = 0;
  for (let i = 0; i < imageSlots; i++) {
    if (present[i] === n) complete++;
    else incompleteMasks += present[i];
  }
  const start = new Int32Array(complete + 1);
  const members = new Int32Array(complete * n);
  const selector = new Int32Array(complete * n);
  for (let i = 0, g = 0; i < imageSlots; i++) {
    if (present[i] !== n) continue;
    for (let m = 0; m < n; m++) {
      members[g * n + m] = chosen[i * n + m];
      selector[g * n + m] = m;
    }
    g++;
    start[g] = g * n;
  }
  return { start, members, selector, count: complete, incompleteMasks };
}

/** The measurable groups of an aggregation, shared by queries that differ in thresholds, measure, k or having. */
export function aggregateGroups(table: MaskTable, spec: GroupSpec): CandidateEntry<AggregateGroups> {
  const wheres = spec.memberWheres && spec.memberWheres.length > 0 ? spec.memberWheres : null;
  const minArea = spec.minRoiArea ?? 0;
  const key = `agg ${whereKey(spec.where)} ${wheres ? wheres.map(whereKey).join(' ') : '-'} ${roiKey(spec.roi)} ${spec.dropEmptyRoi} ${minArea}`;
  return cachedCandidates(table, key, () => {
    const base = selectSlots(table, spec.where);
    const raw = wheres ? groupBySelectors(table, base, wheres) : groupAll(table, base);
    const { widths, heights, ids, imageSlots } = table.columns();
    const rect = newRect();
    const keep = new Uint8Array(raw.count);
    const groupRects = new Int32Array(raw.count * 4);
    let kept = 0;
    let keptMembers = 0;
    let dropped = raw.incompleteMasks;
    for (let g = 0; g < raw.count; g++) {
      const from = raw.start[g];
      const to = raw.start[g + 1];
      const first = raw.members[from];
      const W = widths[first];
      const H = heights[first];
      let sameSize = true;
      for (let k = from + 1; k < to; k++) sameSize &&= widths[raw.members[k]] === W && heights[raw.members[k]] === H;
      // Pixel-wise aggregation needs one grid: an image whose masks differ in size is skipped.
      const ok = sameSize && maskRoiRect(table, spec.roi, first, rect);
      const area = (rect.x1 - rect.x0) * (rect.y1 - rect.y0);
      if (!ok || (spec.dropEmptyRoi && area === 0) || area < minArea) {
        dropped += to - from;
        continue;
      }
      keep[g] = 1;
      writeRect(groupRects, g, rect);
      kept++;
      keptMembers += to - from;
    }
    const start = new Int32Array(kept + 1);
    const memberSlots = new Int32Array(keptMembers);
    const memberIds = new Float64Array(keptMembers);
    const selector = new Int32Array(keptMembers);
    const imageIds = new Float64Array(kept);
    const rects = new Int32Array(kept * 4);
    const areas = new Int32Array(kept);
    const dims = new Int32Array(kept * 2);
    const selectors = wheres ? wheres.length : 1;
    const perSelector = new Int32Array(selectors);
    for (let g = 0, out = 0, at = 0; g < raw.count; g++) {
      if (!keep[g]) continue;
      const first = raw.members[raw.start[g]];
      for (let k = raw.start[g]; k < raw.start[g + 1]; k++, at++) {
        memberSlots[at] = raw.members[k];
        memberIds[at] = ids[raw.members[k]];
        selector[at] = raw.selector[k];
        perSelector[raw.selector[k]]++;
      }
      start[out + 1] = at;
      imageIds[out] = table.imageIdOfSlot(imageSlots[first]);
      rects.set(groupRects.subarray(g * 4, g * 4 + 4), out * 4);
      areas[out] = (rects[out * 4 + 2] - rects[out * 4]) * (rects[out * 4 + 3] - rects[out * 4 + 1]);
      dims[out * 2] = widths[first];
      dims[out * 2 + 1] = heights[first];
      out++;
    }
    // Each selector's members as candidates of their own, ROI = their group's.
    const bySelector: Candidates[] = [];
    const memberOf: (Int32Array | null)[] = [];
    for (let s = 0; s < selectors; s++) {
      const positions = new Int32Array(perSelector[s]);
      const slots = new Int32Array(perSelector[s]);
      const memberRects = new Int32Array(perSelector[s] * 4);
      for (let g = 0, i = 0; g < kept; g++) {
        for (let k = start[g]; k < start[g + 1]; k++) {
          if (selector[k] !== s) continue;
          positions[i] = k;
          slots[i] = memberSlots[k];
          memberRects.set(rects.subarray(g * 4, g * 4 + 4), i * 4);
          i++;
        }
      }
      const c = candidatesOf(table, slots, memberRects);
      bySelector.push(c);
      const to = Int32Array.from(c.origin, (k) => positions[k]);
      memberOf.push(to.every((member, i) => member === i) && to.length === keptMembers ? null : to);
    }
    const groups = new AggregateGroups(kept, imageIds, start, memberSlots, memberIds, selector, rects, areas, dims, bySelector, memberOf, raw.count);
    const matched = wheres ? raw.members.length + raw.incompleteMasks : base.length;
    return { value: groups, matched, skipped: dropped };
  });
}
