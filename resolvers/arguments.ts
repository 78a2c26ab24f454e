import { decodeGlobalID } from '@pothos/plugin-relay';
import type { MaskIndex, RoiSpec, ValueRange } from '../engine/index.js';
import type { MaskCatalog, MaskWhere } from '../service/mask-catalog.js';
import { badInput } from './errors.js';

/** The largest k (and page size) a query may ask for. */
export const MAX_K = 10_000;

export interface RoiArg {
  full?: boolean | null;
  box?: { x: number; y: number; width: number; height: number } | null;
  imageBox?: string | null;
}

export function roiSpec(arg: RoiArg, index: MaskIndex, name = 'roi'): RoiSpec {
  const given = Object.entries(arg).filter(([, v]) => v !== null && v !== undefined);
  if (given.length !== 1) throw badInput(`${name}: give exactly one of full, box, imageBox`);
  if (arg.full !== null && arg.full !== undefined) {
    if (!arg.full) throw badInput(`${name}.full must be true (omit it and give box or imageBox instead)`);
    return { kind: 'full' };
  }
  if (arg.box) {
    for (const side of ['width', 'height'] as const) {
      if (arg.box[side] < 0) throw badInput(`${name}.box.${side} must not be negative, got ${arg.box[side]}`);
    }
    return { kind: 'box', ...arg.box };
  }
  const boxName = arg.imageBox!;
  if (!index.boxColumn(boxName)) throw badInput(`${name}.imageBox: no image has a box named '${boxName}'`);
  return { kind: 'imageBox', name: boxName };
}

export function valueRange(arg: ValueRange, name = 'range'): ValueRange {
  const { gt, gte, lt, lte } = arg;
  const has = (v: number | null | undefined): v is number => v !== null && v !== undefined;
  if (has(gt) && has(gte)) throw badInput(`${name}: give at most one of gt and gte`);
  if (has(lt) && has(lte)) throw badInput(`${name}: give at most one of lt and lte`);
  const lower = has(gt) ? gt : gte;
  const upper = has(lt) ? lt : lte;
  if (has(lower) && has(upper)) {
    const empty = has(gte) && has(lte) ? lower > upper : lower >= upper;
    if (empty) {
      throw badInput(`${name}: the lower end ${has(gt) ? 'gt' : 'gte'} ${lower} must be below the upper end ${has(lt) ? 'lt' : 'lte'} ${upper}; the range is empty`);
    }
  }
  return { gt, gte, lt, lte };
}

export function positiveK(k: number, name = 'k'): number {
  if (k < 1 || k > MAX_K) throw badInput(`${name} must be between 1 and ${MAX_K}, got ${k}`);
  return k;
}

export function minRoiArea(value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0) throw badInput(`minRoiArea must not be negative, got ${value}`);
  return value;
}

/** A Relay global id of the given type, as the database id. */
export function localId(globalId: string | number, typename: string, name: string): number {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    throw badInput(`${name}: '${globalId}' is not a ${typename} id`);
  }
  const id = Number(decoded.id);
  if (decoded.typename !== typename || !Number.isSafeInteger(id)) throw badInput(`${name}: '${globalId}' is not a ${typename} id`);
  return id;
}

export interface MaskWhereArg extends Omit<MaskWhere, 'ids'> {
  ids?: readonly (string | number)[] | null;
}

/** Throws BAD_USER_INPUT for a where naming an unknown model or an id that is not a Mask's; returns the ids decoded. */
export function checkWhere(where: MaskWhereArg, catalog: MaskCatalog): number[] | undefined {
  for (const name of where.modelNames ?? []) {
    if (!catalog.hasModel(name)) throw badInput(`where.modelNames: unknown model '${name}'`);
  }
  return where.ids?.map((id) => localId(id, 'Mask', 'where.ids'));
}

/** Candidate mask ids for a where argument, or undefined for all masks. */
export function candidates(where: MaskWhereArg | null | undefined, catalog: MaskCatalog): number[] | undefined {
  if (!where) return undefined;
  return catalog.select({ ...where, ids: checkWhere(where, catalog) });
}
