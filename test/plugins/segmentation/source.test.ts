import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SourceInputError } from '../../../plugins/kit/index.js';
import segmentation from '../../../plugins/segmentation/index.js';
import { readAll } from './helpers.js';
import { sourceFile } from '../../support/source-file.js';

const parse = (options: unknown) => segmentation.options.safeParse(options);
const issues = (options: unknown) => parse(options).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('the segmentation source', () => {
  it('describes itself', () => {
    expect(segmentation).toMatchObject({ name: 'segmentation', defaultMaskType: 'segmentation' });
    expect(segmentation.inputs.flatMap((input) => input.extensions)).toEqual(['.png', '.json']);
  });

  it('defaults its options', () => {
    expect(segmentation.options.parse({})).toEqual({ labels: false, includeBackground: false });
    expect(segmentation.options.parse({ className: 'dog', classes: { '0': 'bg', '254': 'last' } })).toEqual({
      className: 'dog',
      classes: { '0': 'bg', '254': 'last' },
      labels: false,
      includeBackground: false,
    });
  });

  it('refuses unknown options, void or malformed class indices, duplicate names and className with labels', () => {
    expect(issues({ classname: 'dog' })).toEqual([expect.stringMatching(/^: Unrecognized key: "classname"/)]);
    const badClasses = [
      'classes: expected "voc", an array of class names, or an object {"index": name} with indices 0 to 254 (255 is void); names are non-empty strings',
    ];
    expect(issues({ classes: { '255': 'void' } })).toEqual(badClasses);
    expect(issues({ classes: { '07': 'x' } })).toEqual(badClasses);
    expect(issues({ classes: 'coco' })).toEqual(badClasses);
    expect(issues({ classes: ['bg', ''] })).toEqual(['classes.1: Too small: expected string to have >=1 characters']);
    expect(issues({ classes: ['bg', 'dog', 'dog'] })).toEqual([
      'classes: names "dog" twice; each class needs its own name (its mask type is segmentation:<name>)',
    ]);
    expect(issues({ className: '' })).toHaveLength(1);
    expect(issues({ labels: true, className: 'dog' })).toEqual([
      'className: className names the class of a binary mask; with labels: true every PNG is a label image (name its classes with classes)',
    ]);
  });

  it('has options expressible as JSON Schema', () => {
    const schema = z.toJSONSchema(segmentation.options, { io: 'input' }) as { properties: Record<string, unknown>; additionalProperties: unknown };
    expect(Object.keys(schema.properties)).toEqual(['className', 'labels', 'classes', 'includeBackground']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('refuses files that are neither PNG nor JSON', async () => {
    await expect(readAll(sourceFile('mask.npy', new Uint8Array(8)))).rejects.toThrow(
      new SourceInputError('has extension ".npy"; the segmentation source reads .png masks and COCO .json files'),
    );
  });
});
