import { MAX_K } from '../resolvers/arguments.js';
import type { GraphQLContext } from '../resolvers/context.js';

/**
 * Query cost, checked before anything runs (Pothos complexity; the limit is in builder.ts). A
 * field's sub-selection is multiplied by the number of results the field's arguments allow
 * (first, k), so `masks(first: 10000) { nodes { histogram } }` costs what it would load, and every
 * alias is counted on its own.
 */

/**
 * The most a request may cost. A page of 10,000 ids and values passes; 10,000 masks' pixels
 * (histogram, cp) or more than ten full scans do not.
 */
export const MAX_QUERY_COST = 200_000;

/** A list inside a result its parent field already multiplied by its length: each item counted once. */
export const PER_ITEM = { field: 1, multiplier: 1 };

/** Loading and counting one mask's pixels (Mask.cp, Mask.histogram). */
export const MASK_PIXELS_COST = 25;

/** A query answered through the index. */
const INDEXED_QUERY_COST = 10;

/**
 * A full scan (useIndex: false) loads every candidate: its cost grows with the store and is at
 * least a tenth of the limit, so no request holds more than ten of them.
 */
const scanCost = (ctx: GraphQLContext): number => Math.max(MAX_QUERY_COST / 10, Math.ceil(ctx.service.table.size / 20));

// Past MAX_K the resolver refuses the argument itself, with a message naming it.
const pageSize = (n: number | null | undefined, fallback: number) => Math.max(1, Math.min(n ?? fallback, MAX_K));

/** filterByCP, topKByCP, aggregateMasks: the search itself, then × the results it may return. */
export const searchComplexity =
  (results: (args: { first?: number | null; k?: number | null }) => number | null | undefined) =>
  (args: { useIndex?: boolean | null; first?: number | null; k?: number | null }, ctx: GraphQLContext) => ({
    field: args.useIndex === false ? scanCost(ctx) : INDEXED_QUERY_COST,
    multiplier: pageSize(results(args), 100),
  });

/** images, masks: × the page size. */
export const listComplexity = (args: { first?: number | null }) => ({ field: 1, multiplier: pageSize(args.first, 100) });
