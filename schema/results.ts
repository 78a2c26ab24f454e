import type { ObjectRef } from '@pothos/core';
import type { AggregateGroupShape, QueryStatsShape, RankedMaskShape } from '../resolvers/cp-queries.js';
import type { Page } from '../resolvers/pagination.js';
import { resultMask } from '../resolvers/loaders.js';
import { cursorOf, totalCountOf } from '../resolvers/pagination.js';
import { builder } from './builder.js';
import { PER_ITEM } from './cost.js';
import { ImageRef, MaskRef } from './objects.js';

export const QueryStatsRef = builder.objectRef<QueryStatsShape>('MaskSearchQueryStats').implement({
  description: 'What a query did, in masks: enough to show "loaded 312 of 100,000 masks".',
  fields: (t) => ({
    candidates: t.exposeInt('candidates', { description: 'Masks that matched where.' }),
    skipped: t.exposeInt('skipped', { description: 'Masks without a usable ROI (no such image box, empty ROI when normalising, below minRoiArea).' }),
    prunedByIndex: t.exposeInt('prunedByIndex', { description: 'Masks ruled out by their CHI bounds alone.' }),
    acceptedByIndex: t.exposeInt('acceptedByIndex', { description: 'Masks decided by their CHI bounds alone.' }),
    refined: t.exposeInt('refined', { description: 'Masks whose bounds were tightened cell by cell from the finest CHI level, without loading.' }),
    verified: t.exposeInt('verified', { description: 'Masks loaded and counted.' }),
    earlyStopped: t.exposeInt('earlyStopped', { description: 'Of the verified masks, those decided before every cell was counted.' }),
    pixelsCounted: t.exposeFloat('pixelsCounted', { description: 'Pixels read by the counting kernel.' }),
    elapsedMs: t.exposeFloat('elapsedMs'),
    groups: t.exposeInt('groups', { nullable: true, description: 'Aggregation: image groups formed.' }),
    usedIndex: t.exposeBoolean('usedIndex'),
    reusedResult: t.exposeBoolean('reusedResult', {
      description:
        'true: the matches come from the result an earlier request of the same query computed (a later page, say); ' +
        'verified and elapsedMs then count only what this request added (exact values of its page not known before).',
    }),
  }),
});

const CPMatchRef = builder.objectRef<{ key: number; value: number }>('MaskSearchCPMatch').implement({
  fields: (t) => ({
    mask: t.field({ type: MaskRef, resolve: (m, _args, ctx) => resultMask(m.key, ctx) }),
    value: t.exposeFloat('value', { description: 'The exact CP (or CP / area(ROI)).' }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * A Relay connection over a page of items ordered by key (an id, or a rank), whose cursors name
 * the key: pages stay stable, and totalCount counts every page.
 */
// Loadable refs also accept ids, so the node ref is typed loosely and the item type given explicitly.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function connectionTypes<T>(name: string, node: ObjectRef<Types, any, any>, keyOf: (item: T) => number, description: string) {
  const Edge = builder.objectRef<{ item: T; resultId?: string }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.string({ resolve: (edge) => cursorOf(keyOf(edge.item), edge.resultId) }),
      node: t.field({ type: node, resolve: (edge) => edge.item as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    description: `${description} Pass pageInfo.endCursor as after for the next page.`,
    fields: (t) => ({
      totalCount: t.int({ description: 'All items of every page.', resolve: (page) => totalCountOf(page) }),
      // The connection's field multiplies by its page size (see schema/cost.ts); its lists do not again.
      edges: t.field({ type: [Edge], complexity: PER_ITEM, resolve: (page) => page.items.map((item) => ({ item, resultId: page.resultId })) }),
      nodes: t.field({ type: [node], complexity: PER_ITEM, resolve: (page) => page.items as never }),
      pageInfo: t.field({
        type: builder.pageInfoRef(),
        description: 'Pages only go forward (first/after), so hasPreviousPage tells whether after was given.',
        resolve: (page) => ({
          hasNextPage: page.hasNextPage,
          hasPreviousPage: page.afterCursor !== undefined,
          startCursor: page.keys.length ? cursorOf(page.keys[0], page.resultId) : null,
          endCursor: page.keys.length ? cursorOf(page.keys[page.keys.length - 1], page.resultId) : null,
        }),
      }),
    }),
  });
}

const CPMatchConnection = connectionTypes<{ key: number; value: number }>('MaskSearchCPMatch', CPMatchRef, (m) => m.key, 'Filter matches in mask id order.');

export const FilterResultRef = builder
  .objectRef<{ page: Page<{ key: number; value: number }>; stats: QueryStatsShape }>('MaskSearchFilterByCPResult')
  .implement({
    fields: (t) => ({
      totalCount: t.int({ description: 'All matches, not just this page (as matches.totalCount).', resolve: (r) => totalCountOf(r.page) }),
      matches: t.field({ type: CPMatchConnection, resolve: (r) => r.page }),
      stats: t.field({ type: QueryStatsRef, resolve: (r) => r.stats }),
    }),
  });

const RANKED = 'Ranked results, best first; the cursors name ranks.';

const RankedMaskRef = builder.objectRef<RankedMaskShape>('MaskSearchRankedMask').implement({
  description: 'A ranked result of topKByCP: like an aggregateMasks group, a rank, a value and what it is about.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 for the best value.' }),
    value: t.exposeFloat('value', { description: 'The exact CP (or CP / area(ROI)).' }),
    mask: t.field({ type: MaskRef, resolve: (r, _args, ctx) => resultMask(r.key, ctx) }),
  }),
});

const RankedMaskConnection = connectionTypes<RankedMaskShape>('MaskSearchRankedMask', RankedMaskRef, (r) => r.rank, RANKED);

export const TopKResultRef = builder.objectRef<{ page: Page<RankedMaskShape>; stats: QueryStatsShape }>('MaskSearchTopKByCPResult').implement({
  fields: (t) => ({
    totalCount: t.int({ description: 'The ranked masks (at most k), as items.totalCount.', resolve: (r) => totalCountOf(r.page) }),
    items: t.field({ type: RankedMaskConnection, complexity: PER_ITEM, resolve: (r) => r.page }),
    stats: t.field({ type: QueryStatsRef, resolve: (r) => r.stats }),
  }),
});

const AggregateGroupRef = builder.objectRef<AggregateGroupShape>('MaskSearchAggregateGroup').implement({
  description: "An image's masks, binarised and combined; ranked like a topKByCP result when k is given.",
  fields: (t) => ({
    rank: t.exposeInt('rank', { nullable: true, description: '1 for the best value with k; null with having.' }),
    value: t.exposeFloat('value'),
    image: t.field({ type: ImageRef, resolve: (g, _args, ctx) => ctx.service.rows.images.get(g.imageId) ?? String(g.imageId) }),
    masks: t.field({ type: [MaskRef], resolve: (g, _args, ctx) => g.maskIds.map((id) => resultMask(id, ctx)) }),
  }),
});

const AggregateGroupConnection = connectionTypes<AggregateGroupShape>(
  'MaskSearchAggregateGroup',
  AggregateGroupRef,
  (g) => g.rank ?? g.imageId,
  'Groups: with k ranked best first (the cursors name ranks); with having in image id order.',
);

export const AggregateResultRef = builder
  .objectRef<{ page: Page<AggregateGroupShape>; stats: QueryStatsShape }>('MaskSearchAggregateResult')
  .implement({
    fields: (t) => ({
      totalCount: t.int({ description: 'All groups, not just this page (as groups.totalCount).', resolve: (r) => totalCountOf(r.page) }),
      groups: t.field({ type: AggregateGroupConnection, resolve: (r) => r.page }),
      stats: t.field({ type: QueryStatsRef, resolve: (r) => r.stats }),
    }),
  });
