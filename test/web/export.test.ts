import { describe, expect, it } from 'vitest';
import type { MaskSummary } from '../../web/src/api/types.js';
import { PRESETS } from '../../web/src/query/presets.js';
import { asCurl, asPython, operationOf, toCsv, toJson } from '../../web/src/results/export.js';
import type { ResultItem } from '../../web/src/results/result-item.js';

const mask = (id: string, maskType: string, model: string | null): MaskSummary => ({
  id,
  maskType,
  width: 8,
  height: 8,
  model: model ? { name: model } : null,
  gray: '',
  turbo: '',
  viridis: '',
});

const items: ResultItem[] = [
  {
    id: 'g1',
    rank: 1,
    value: 0.25,
    image: { id: 'i1', key: 'a,"quoted" key', label: 'cat', split: null, width: 8, height: 8, metadata: { prediction: 'dog' }, boxes: [] },
    masks: [mask('m1', 'saliency', 'resnet'), mask('m2', 'human-attention', null)],
  },
  { id: 'g2', rank: 2, value: 0.5, image: { id: 'i2', key: 'plain', label: null, split: 'val', width: 8, height: 8, metadata: {}, boxes: [] }, masks: [mask('m3', 'saliency', null)] },
];

describe('exporting results', () => {
  it('writes CSV by RFC 4180: a field with a comma or quote is quoted, its quotes doubled; empty for none', () => {
    expect(toCsv(items)).toBe(
      'rank,imageKey,maskIds,maskTypes,model,value,label,prediction,split\r\n' +
        '1,"a,""quoted"" key",m1 m2,saliency human-attention,resnet,0.25,cat,dog,\r\n' +
        '2,plain,m3,saliency,,0.5,,,val\r\n',
    );
  });

  it('writes JSON with the operation that produced it', () => {
    const query = PRESETS[0].query;
    const parsed = JSON.parse(toJson(items, query));
    expect(parsed.query).toEqual(operationOf(query));
    expect(parsed.results[0]).toMatchObject({ imageKey: 'a,"quoted" key', maskIds: 'm1 m2', prediction: 'dog' });
  });

  it('quotes the curl body for a POSIX shell, whatever it holds', () => {
    const query = { ...PRESETS[0].query, where: { ...PRESETS[0].query.where, imageTags: ["it's"] } };
    const curl = asCurl(query, 'http://localhost:4000');
    expect(curl).toContain(`--data '`);
    expect(curl).toContain(`it'\\''s`);
  });

  it('copies the document the explorer sends, with an aggregation\'s members among the variables', () => {
    const { query, variables } = operationOf(PRESETS.find((p) => p.id === 'human-disagrees')!.query);
    expect(query).toMatch(/^query Aggregate\(/);
    expect(query).toContain('members: $members');
    expect(query).toContain('fragment MaskFields on Mask');
    expect(variables.members).toEqual([{ where: { maskTypes: ['saliency'], modelNames: ['demo-classifier'] } }, { where: { maskTypes: ['human-attention'] } }]);
  });

  it('embeds the document and the variables in Python literals', () => {
    const python = asPython(PRESETS[0].query, 'http://localhost:4000');
    expect(python).toContain('QUERY = """query Aggregate(');
    expect(python).toContain('VARIABLES = json.loads("{');
    expect(python).toContain('"http://localhost:4000/graphql"');
  });
});
