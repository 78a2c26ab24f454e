import type { ObjectRef } from '@pothos/core';
import type { AggregateGroupShape, QueryStatsShape } from '../resolvers/cp-queries.js';
import type { Page } from '../resolvers/pagination.js';
import { cursorOf } from '../resolvers/pagination.js';
import { builder } from './builder.js';
import { PER_ITEM } from './cost.js';
import { ImageRef, MaskRef } from './objects.js';

export const QueryStatsRef = builder.objectRef<QueryStatsShape>('QueryStats').implement({
  description: 'What a query did, in masks: enough to show "loaded 312 of 100,000 masks".',
  fields: (t) => ({
    candidates: t.exposeInt('candidates', { description: 'Masks that matched where.' }),
    skipped: t.exposeInt('skipped', { description: 'Masks without a usable ROI (no such image box, empty ROI when normalising, below minRoiArea).' }),
    prunedByIndex: t.exposeInt('prunedByIndex', { description: 'Masks ruled out by their CHI bounds alone.' }),
    acceptedByIndex: t.exposeInt('acceptedByIndex', { description: 'Masks decided by their CHI bounds alone.' }),
    verified: t.exposeInt('verified', { description: 'Masks loaded and counted.' }),
    elapsedMs: t.exposeFloat('elapsedMs'),
    groups: t.exposeInt('groups', { nullable: true, description: 'Aggregation: image groups formed.' }),
    usedIndex: t.exposeBoolean('usedIndex'),
  }),
});

const CPMatchRef = builder.objectRef<{ key: number; value: number }>('CPMatch').implement({
  fields: (t) => ({
    mask: t.field({ type: MaskRef, resolve: (m) => String(m.key) }),
    value: t.exposeFloat('value', { description: 'The exact CP (or CP / area(ROI)).' }),
  }),
});

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const PageInfoRef = builder.objectRef<PageInfoShape>('ResultPageInfo').implement({
  description: 'Relay page info; pages only go forward (first/after), so hasPreviousPage tells whether after was given.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** A connection of results ordered by key, with cursors naming the key. */
// Loadable refs also accept ids, so the node ref is typed loosely and the item type given explicitly.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function edgeTypes<T>(name: string, node: ObjectRef<Types, any, any>, keyOf: (item: T) => number) {
  const Edge = builder.objectRef<T>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.string({ resolve: (item) => cursorOf(keyOf(item)) }),
      node: t.field({ type: node, resolve: (item) => item as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    description: 'Results ordered by id, ascending; pass pageInfo.endCursor as after for the next page.',
    fields: (t) => ({
      // The connection's field multiplies by its page size (see schema/cost.ts); its lists do not again.
      edges: t.field({ type: [Edge], complexity: PER_ITEM, resolve: (page) => page.items }),
      nodes: t.field({ type: [node], complexity: PER_ITEM, resolve: (page) => page.items as never }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (page): PageInfoShape => ({
          hasNextPage: page.hasNextPage,
          hasPreviousPage: page.afterCursor !== undefined,
          startCursor: page.keys.length ? cursorOf(page.keys[0]) : null,
          endCursor: page.keys.length ? cursorOf(page.keys[page.keys.length - 1]) : null,
        }),
      }),
    }),
  });
}

const CPMatchConnection = edgeTypes<{ key: number; value: number }>('CPMatch', CPMatchRef, (m) => m.key);

export const FilterResultRef = builder
  .objectRef<{ totalCount: number; page: Page<{ key: number; value: number }>; stats: QueryStatsShape }>('FilterByCPResult')
  .implement({
    fields: (t) => ({
      totalCount: t.exposeInt('totalCount', { description: 'All matches, not just this page.' }),
      matches: t.field({ type: CPMatchConnection, resolve: (r) => r.page }),
      stats: t.field({ type: QueryStatsRef, resolve: (r) => r.stats }),
    }),
  });

const RankedMaskRef = builder.objectRef<{ rank: number; key: number; value: number }>('RankedMask').implement({
  fields: (t) => ({
    rank: t.exposeInt('rank'),
    mask: t.field({ type: MaskRef, resolve: (r) => String(r.key) }),
    value: t.exposeFloat('value'),
  }),
});

export const TopKResultRef = builder.objectRef<{ items: { rank: number; key: number; value: number }[]; stats: QueryStatsShape }>('TopKByCPResult').implement({
  fields: (t) => ({
    items: t.field({ type: [RankedMaskRef], complexity: PER_ITEM, resolve: (r) => r.items }),
    stats: t.field({ type: QueryStatsRef, resolve: (r) => r.stats }),
  }),
});

const AggregateGroupRef = builder.objectRef<AggregateGroupShape>('AggregateGroup').implement({
  description: "An image's masks, binarised and combined.",
  fields: (t) => ({
    rank: t.exposeInt('rank', { nullable: true, description: 'Top-k only.' }),
    image: t.field({ type: ImageRef, resolve: (g) => String(g.imageId) }),
    masks: t.field({ type: [MaskRef], resolve: (g) => g.maskIds.map(String) }),
    value: t.exposeFloat('value'),
  }),
});

const AggregateGroupConnection = edgeTypes<AggregateGroupShape>('AggregateGroup', AggregateGroupRef, (g) => g.imageId);

export const AggregateResultRef = builder
  .objectRef<{ totalCount: number; page: Page<AggregateGroupShape>; stats: QueryStatsShape }>('AggregateResult')
  .implement({
    fields: (t) => ({
      totalCount: t.exposeInt('totalCount'),
      groups: t.field({ type: AggregateGroupConnection, resolve: (r) => r.page }),
      stats: t.field({ type: QueryStatsRef, resolve: (r) => r.stats }),
    }),
  });
