import { decodeGlobalID } from '@pothos/plugin-relay';
import type { AggregateMember, MaskTable, MaskWhere, RoiSpec } from '../engine/index.js';
import { MAX_K } from '../engine/index.js';
import { badInput } from './errors.js';

export { MAX_K };

export interface RoiArg {
  full?: boolean | null;
  box?: { x: number; y: number; width: number; height: number } | null;
  imageBox?: string | null;
}

/**
 * The ROI argument as the engine's spec. Only its GraphQL shape is checked here (one of three,
 * and a box name some image has); the engine checks the values with every other argument.
 */
export function roiSpec(arg: RoiArg, table: MaskTable, name = 'roi'): RoiSpec {
  const given = Object.entries(arg).filter(([, v]) => v !== null && v !== undefined);
  if (given.length !== 1) throw badInput(`${name}: give exactly one of full, box, imageBox`, [name]);
  if (arg.full !== null && arg.full !== undefined) {
    if (!arg.full) throw badInput(`${name}.full must be true (omit it and give box or imageBox instead)`, [name, 'full']);
    return { kind: 'full' };
  }
  if (arg.box) return { kind: 'box', ...arg.box };
  const boxName = arg.imageBox!;
  if (!table.hasBoxName(boxName)) throw badInput(`${name}.imageBox: no image has a box named '${boxName.slice(0, 80)}'`, [name, 'imageBox']);
  return { kind: 'imageBox', name: boxName };
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

/**
 * The where argument as the engine's: global ids become database ids. A name no mask has (a
 * model, mask type, source, label, split, tag or image key) matches nothing, like any value no
 * mask has: the answer is empty, not an error, wherever where is taken.
 */
export function maskWhere(where: MaskWhereArg | null | undefined, name = 'where'): MaskWhere | undefined {
  if (!where) return undefined;
  const ids = where.ids?.map((id) => localId(id, 'Mask', `${name}.ids`));
  return { ...where, ids };
}

export interface AggregateMemberArg {
  where?: MaskWhereArg | null;
  threshold?: number | null;
}

export const aggregateMembers = (members: readonly AggregateMemberArg[] | null | undefined): AggregateMember[] | undefined =>
  members?.map((m, i) => ({ where: maskWhere(m.where, `members[${i}].where`), threshold: m.threshold }));
