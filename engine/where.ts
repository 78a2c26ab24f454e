import type { MaskTable } from './mask-table.js';
import { NONE } from './mask-table.js';

/**
 * Which masks a query considers; every list given must match (AND), any entry within a list (OR).
 * A name no mask or image has (model, type, source, label, split, tag, key) matches nothing.
 */
export interface MaskWhere {
  ids?: readonly number[] | null;
  imageKeys?: readonly string[] | null;
  modelNames?: readonly string[] | null;
  maskTypes?: readonly string[] | null;
  sources?: readonly string[] | null;
  imageLabels?: readonly string[] | null;
  imageSplits?: readonly string[] | null;
  imageTags?: readonly string[] | null;
}

const given = <T>(list: readonly T[] | null | undefined): list is readonly T[] => list !== undefined && list !== null;

/** 1 at each code of the dictionary that one of the names has. */
function codeSet(size: number, codes: readonly number[]): Uint8Array {
  const set = new Uint8Array(size + 1);
  for (const c of codes) if (c >= 0) set[c] = 1;
  return set;
}

/** Image slots passing the image conditions, or null when there are none. */
function imageFilter(table: MaskTable, where: MaskWhere): Uint8Array | null {
  const { imageKeys, imageLabels, imageSplits, imageTags } = where;
  if (!given(imageKeys) && !given(imageLabels) && !given(imageSplits) && !given(imageTags)) return null;
  const n = table.imageSlotCount;
  const ok = new Uint8Array(n).fill(1);
  if (given(imageKeys)) {
    const keyed = new Uint8Array(n);
    for (const key of imageKeys) {
      const slot = table.imageSlotOfKey(key);
      if (slot >= 0) keyed[slot] = 1;
    }
    for (let i = 0; i < n; i++) ok[i] &= keyed[i];
  }
  const byCode = (column: Int32Array, codes: Uint8Array) => {
    for (let i = 0; i < n; i++) if (column[i] === NONE || !codes[column[i]]) ok[i] = 0;
  };
  if (given(imageLabels)) byCode(table.labelColumn, codeSet(table.labelNames.values.length, imageLabels.map((l) => table.labelNames.find(l))));
  if (given(imageSplits)) byCode(table.splitColumn, codeSet(table.splitNames.values.length, imageSplits.map((s) => table.splitNames.find(s))));
  if (given(imageTags)) {
    const tagged = new Uint8Array(n);
    for (const tag of imageTags) {
      const column = table.tagColumnOf(tag);
      if (column) for (let i = 0; i < n; i++) tagged[i] |= column[i];
    }
    for (let i = 0; i < n; i++) ok[i] &= tagged[i];
  }
  return ok;
}

/** The slots of the masks matching where, ascending; every slot when where sets no condition. */
export function selectSlots(table: MaskTable, where: MaskWhere | null | undefined): Int32Array {
  const size = table.size;
  const cols = table.columns();
  const w = where ?? {};
  const images = imageFilter(table, w);
  const models = given(w.modelNames) ? w.modelNames.map((n) => table.modelIdOf(n)).filter((id): id is number => id !== undefined) : null;
  const types = given(w.maskTypes) ? codeSet(table.maskTypeNames.values.length, w.maskTypes.map((t) => table.maskTypeNames.find(t))) : null;
  const sources = given(w.sources) ? codeSet(table.sourceNames.values.length, w.sources.map((s) => table.sourceNames.find(s))) : null;
  const modelSet = models ? new Set(models) : null;
  const matches = (slot: number): boolean =>
    (!images || images[cols.imageSlots[slot]] === 1) &&
    (!types || types[cols.maskTypes[slot]] === 1) &&
    (!sources || sources[cols.sources[slot]] === 1) &&
    (!modelSet || (cols.models[slot] !== NONE && modelSet.has(cols.models[slot])));
  if (given(w.ids)) {
    const seen = new Uint8Array(size);
    for (const id of w.ids) {
      const slot = table.slotOf(id);
      if (slot >= 0 && matches(slot)) seen[slot] = 1;
    }
    return slotsWhere(seen, size);
  }
  if (!images && !types && !sources && !modelSet) {
    const all = new Int32Array(size);
    for (let i = 0; i < size; i++) all[i] = i;
    return all;
  }
  // Column by column over every slot, so each condition is one tight loop.
  const ok = new Uint8Array(size).fill(1);
  if (types) for (let slot = 0; slot < size; slot++) ok[slot] &= types[cols.maskTypes[slot]];
  if (sources) for (let slot = 0; slot < size; slot++) ok[slot] &= sources[cols.sources[slot]];
  if (images) for (let slot = 0; slot < size; slot++) ok[slot] &= images[cols.imageSlots[slot]];
  if (modelSet) {
    const byModel = new Map<number, number>();
    for (let slot = 0; slot < size; slot++) {
      if (!ok[slot]) continue;
      const m = cols.models[slot];
      let v = byModel.get(m);
      if (v === undefined) byModel.set(m, (v = m !== NONE && modelSet.has(m) ? 1 : 0));
      ok[slot] = v;
    }
  }
  return slotsWhere(ok, size);
}

function slotsWhere(flags: Uint8Array, size: number): Int32Array {
  let n = 0;
  for (let i = 0; i < size; i++) n += flags[i];
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < size; i++) if (flags[i]) out[k++] = i;
  return out;
}
