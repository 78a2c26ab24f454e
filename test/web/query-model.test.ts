import { describe, expect, it } from 'vitest';
import { fieldOf, messagesFor } from '../../web/src/api/field-errors.js';
import { queryVariables } from '../../web/src/api/variables.js';
import { PRESETS } from '../../web/src/query/presets.js';
import type { QueryState } from '../../web/src/query/query-state.js';
import { DEFAULT_QUERY, EVERY_MASK } from '../../web/src/query/query-state.js';
import { sqlForm } from '../../web/src/query/sql-form.js';
import { querySummary } from '../../web/src/results/query-summary.js';
import { paramsToQuery, queryToParams, questionKey } from '../../web/src/query/url-state.js';

const filter: QueryState = {
  ...DEFAULT_QUERY,
  kind: 'filter',
  where: { modelNames: ['resnet50'], maskTypes: ['saliency'], imageLabels: [], imageSplits: ['val'], sources: [], imageTags: [] },
  roi: { kind: 'imageBox', name: 'object' },
  range: { lower: { value: 0.5, inclusive: false }, upper: { value: 1, inclusive: true } },
  normalize: 'ROI_FRACTION',
  compare: { op: 'LT', value: 0.2 },
};

const havingAggregate: QueryState = {
  ...DEFAULT_QUERY,
  kind: 'aggregate',
  where: { ...DEFAULT_QUERY.where, maskTypes: ['saliency', 'human-attention'] },
  roi: { kind: 'box', x: 10, y: 20, width: 30, height: 40 },
  aggregate: { op: 'UNION', measure: 'ROI_FRACTION', threshold: 0.4, ranked: false, members: [] },
  compare: { op: 'GTE', value: 0.3 },
};

describe('the query in the URL', () => {
  it('reads back every kind of query as written, presets included', () => {
    for (const query of [filter, havingAggregate, { ...DEFAULT_QUERY, useIndex: false }, ...PRESETS.map((p) => p.query)]) {
      const back = paramsToQuery(new URLSearchParams(queryToParams(query).toString()))!;
      expect(queryToParams(back).toString()).toBe(queryToParams(query).toString());
    }
  });

  it('writes only what the query kind uses, in the API\'s words', () => {
    expect(queryToParams(filter).toString()).toBe('q=filter&model=resnet50&type=saliency&split=val&roi=image%3Aobject&gt=0.5&lte=1&norm=fraction&op=lt&value=0.2');
    expect(queryToParams(havingAggregate).toString()).toBe('q=aggregate&type=saliency&type=human-attention&roi=box%3A10%2C20%2C30%2C40&agg=union&measure=fraction&bin=0.4&op=gte&value=0.3');
  });

  it('carries an aggregation\'s members, numbered, each with its where and threshold', () => {
    const params = queryToParams(preset('human-disagrees').query).toString();
    expect(params).toBe('q=aggregate&tag=synthetic&roi=full&agg=intersect&measure=iou&bin=0.5&members=2&m1.model=demo-classifier&m1.type=saliency&m2.type=human-attention&k=25&order=asc');
    const own = { ...havingAggregate, aggregate: { ...havingAggregate.aggregate, members: [{ where: EVERY_MASK, threshold: 0.7 }, { where: { ...EVERY_MASK, imageLabels: ['cat'] }, threshold: null }] } };
    expect(paramsToQuery(queryToParams(own))!.aggregate.members).toEqual(own.aggregate.members);
    expect(paramsToQuery(new URLSearchParams('q=topk&members=2&m1.type=saliency'))!.aggregate.members).toEqual([]);
  });

  it('takes defaults for what is missing, keeps a number that does not parse as NaN, and describes no query without q', () => {
    const query = paramsToQuery(new URLSearchParams('q=topk&k=ten'))!;
    expect(query.rank.k).toBeNaN();
    expect(query.rank.order).toBe(DEFAULT_QUERY.rank.order);
    expect(query.roi).toEqual({ kind: 'full' });
    expect(paramsToQuery(new URLSearchParams('k=3'))).toBeNull();
  });

  it('asks the same question with and without the index', () => {
    expect(questionKey({ ...filter, useIndex: false })).toBe(questionKey(filter));
    expect(questionKey({ ...filter, compare: { op: 'LT', value: 0.3 } })).not.toBe(questionKey(filter));
  });
});

const preset = (id: string) => PRESETS.find((p) => p.id === id)!;

describe('the SQL-like form', () => {
  it('writes a filter as the paper does, ranges as intervals', () => {
    expect(sqlForm(filter)).toBe(
      "SELECT mask_id FROM masks\nWHERE mask_type IN ('saliency')\n  AND model IN ('resnet50')\n  AND image.split IN ('val')\n  AND CP(mask, image_box('object'), (0.5, 1]) / area(roi) < 0.2",
    );
  });

  it('writes top-k and aggregations with ORDER BY, GROUP BY and HAVING', () => {
    expect(sqlForm(preset('dispersed').query)).toBe(
      "SELECT mask_id FROM masks\nWHERE mask_type IN ('saliency')\n  AND model IN ('demo-classifier')\nORDER BY CP(mask, full_image, (0.2, 0.6)) / area(roi) DESC\nLIMIT 25",
    );
    expect(sqlForm({ ...preset('human-disagrees').query, aggregate: { ...preset('human-disagrees').query.aggregate, members: [] }, where: havingAggregate.where })).toBe(
      "SELECT image_id, CP(INTERSECT(mask > 0.5), full_image) / CP(UNION(mask > 0.5), full_image) AS value\nFROM masks\nWHERE mask_type IN ('saliency', 'human-attention')\nGROUP BY image_id\nORDER BY value ASC\nLIMIT 25",
    );
    expect(sqlForm(havingAggregate)).toMatch(/CP\(UNION\(mask > 0\.4\), box\(10, 20, 30, 40\)\) \/ area\(roi\) AS value[\s\S]*HAVING value >= 0\.3$/);
  });

  it('writes an aggregation over members as a join of one mask per member, each with its own conditions and threshold', () => {
    expect(sqlForm(preset('human-disagrees').query)).toBe(
      'SELECT image_id, CP(INTERSECT(m1.mask > 0.5, m2.mask > 0.5), full_image) / CP(UNION(m1.mask > 0.5, m2.mask > 0.5), full_image) AS value\n' +
        'FROM masks m1 JOIN masks m2 USING (image_id)\n' +
        "WHERE image.tags && ARRAY['synthetic']\n  AND m1.mask_type IN ('saliency')\n  AND m1.model IN ('demo-classifier')\n  AND m2.mask_type IN ('human-attention')\n" +
        'ORDER BY value ASC\nLIMIT 25',
    );
    const own = { ...havingAggregate, aggregate: { ...havingAggregate.aggregate, members: [{ where: { ...EVERY_MASK, sources: ['gaze'] }, threshold: 0.7 }, { where: EVERY_MASK, threshold: null }] } };
    expect(sqlForm(own)).toBe(
      'SELECT image_id, CP(UNION(m1.mask > 0.7, m2.mask > 0.4), box(10, 20, 30, 40)) / area(roi) AS value\n' +
        'FROM masks m1 JOIN masks m2 USING (image_id)\n' +
        "WHERE m1.mask_type IN ('saliency', 'human-attention')\n  AND m1.source IN ('gaze')\n  AND m2.mask_type IN ('saliency', 'human-attention')\n" +
        'HAVING value >= 0.3',
    );
  });

  it('writes a missing end as infinite and quotes names', () => {
    expect(sqlForm({ ...filter, range: { lower: null, upper: { value: 0.3, inclusive: false } }, where: { ...filter.where, imageLabels: ["o'clock"] } })).toMatch(
      /image\.label IN \('o''clock'\)[\s\S]*\(-∞, 0\.3\)/,
    );
  });
});

describe('the GraphQL variables', () => {
  it('fill the arguments of each operation, leaving out empty lists', () => {
    expect(queryVariables(filter)).toEqual({
      where: { modelNames: ['resnet50'], maskTypes: ['saliency'], imageSplits: ['val'] },
      roi: { imageBox: 'object' },
      range: { gt: 0.5, lte: 1 },
      normalize: 'ROI_FRACTION',
      op: 'LT',
      threshold: 0.2,
      useIndex: true,
    });
    expect(queryVariables(havingAggregate)).toEqual({
      where: { maskTypes: ['saliency', 'human-attention'] },
      roi: { box: { x: 10, y: 20, width: 30, height: 40 } },
      op: 'UNION',
      measure: 'ROI_FRACTION',
      threshold: 0.4,
      having: { op: 'GTE', value: 0.3 },
      useIndex: true,
    });
    expect(queryVariables(preset('human-disagrees').query)).toEqual({
      where: { imageTags: ['synthetic'] },
      roi: { full: true },
      op: 'INTERSECT',
      measure: 'IOU',
      threshold: 0.5,
      members: [{ where: { maskTypes: ['saliency'], modelNames: ['demo-classifier'] } }, { where: { maskTypes: ['human-attention'] } }],
      k: 25,
      order: 'ASC',
      useIndex: true,
    });
    const own = { ...havingAggregate, aggregate: { ...havingAggregate.aggregate, members: [{ where: EVERY_MASK, threshold: 0.7 }] } };
    expect(queryVariables(own).members).toEqual([{ where: {}, threshold: 0.7 }]);
  });
});

describe('which field an API message is about', () => {
  it.each([
    ['range: the lower end gt 0.8 must be below the upper end lt 0.6; the range is empty', 'range'],
    ["roi.imageBox: no image has a box named 'x'", 'roi.imageBox'],
    ["where.ids: 'x' is not a Mask id", 'where.ids'],
    ["members[1].where.ids: 'x' is not a Mask id", 'members[1].where.ids'],
    ['k must be between 1 and 10000, got 0', 'k'],
    ['threshold must be a finite number, got NaN', 'threshold'],
    ['Variable "$k" of non-null type "Int!" must not be null.', 'k'],
    ['Variable "$having" got invalid value null at "having.value"; Expected non-nullable type "Float!" not to be null.', 'having'],
    ['aggregateMasks: give either k (with order) or having, not both and not neither', null],
    ['Unexpected error.', null],
  ])('%s', (message, field) => {
    expect(fieldOf(message)).toBe(field);
  });

  it('shows a message at its field and at the fields that contain it', () => {
    const errors = [{ field: 'roi.box.width', message: 'roi.box.width must not be negative, got -1' }];
    expect(messagesFor(errors, 'roi')).toEqual(['roi.box.width must not be negative, got -1']);
    expect(messagesFor(errors, 'range')).toEqual([]);
    expect(messagesFor([{ field: 'members[0].where', message: 'm' }], 'members')).toEqual(['m']);
  });
});

describe('the chip naming the query that filters the grid', () => {
  it('says in a few words what each kind of query selects', () => {
    expect(querySummary(filter)).toBe('masks whose CP is < 0.2');
    expect(querySummary({ ...filter, kind: 'topk', rank: { k: 25, order: 'ASC' } })).toBe('the 25 masks of lowest CP');
    expect(querySummary(havingAggregate)).toBe('images whose CP of their united masks is ≥ 0.3');
    expect(querySummary({ ...havingAggregate, aggregate: { ...havingAggregate.aggregate, op: 'INTERSECT', measure: 'IOU', ranked: true }, rank: { k: 10, order: 'ASC' } })).toBe(
      'the 10 images of lowest IoU of their intersected masks',
    );
  });
});
