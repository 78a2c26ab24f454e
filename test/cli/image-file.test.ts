import { describe, expect, it } from 'vitest';
import { parseImageFile } from '../../ingest/image-file.js';

const parse = (text: string) => () => parseImageFile(text, 'f.json');

describe('the images import file', () => {
  it('reads JSON Lines with blank lines, CRLF endings and a byte order mark', () => {
    const records = parseImageFile('\uFEFF{"key":"a","width":2,"height":3}\r\n\r\n{"key":"b","width":1,"height":1,"boxes":{"object":[0,0.5,1,1]}}\r\n', 'f.jsonl');
    expect(records).toEqual([
      { key: 'a', width: 2, height: 3, uri: null, label: null, split: null, boxes: {}, metadata: undefined },
      { key: 'b', width: 1, height: 1, uri: null, label: null, split: null, boxes: { object: [0, 0.5, 1, 1] }, metadata: undefined },
    ]);
  });

  it('takes an empty file or array as no images', () => {
    expect(parseImageFile('', 'f.jsonl')).toEqual([]);
    expect(parseImageFile(' [ ] ', 'f.json')).toEqual([]);
  });

  it('places a syntax error in an array by line and column', () => {
    expect(parse('[\n  {"key": "a", "width": 1, "height": 1},\n  {"key": "b" "width": 1}\n]')).toThrow(/^f\.json: invalid JSON at line 3, column 15: Expected ',' or '}'/);
  });

  it('names elements of a one-line array by number only', () => {
    expect(parse('[{"key":"a","width":1,"height":1},{"key":"b","width":1,"height":1.5}]')).toThrow(/^f\.json element 2: height must be a positive integer, got 1\.5$/);
  });

  it('counts the other bad records after the first', () => {
    expect(parse('{"key":"a","width":0,"height":1}\n{"key":"b","width":1,"height":1}\n{"key":"c"}\nnot json\n')).toThrow(
      /^f\.json line 1: width must be a positive integer, got 0 \(and 2 more bad lines\)$/,
    );
  });

  it.each([
    ['{"key":"a","width":1,"height":1,"lable":"cat"}', /line 1: lable is not a field of an image \(those are key, width, height, uri, label, split, boxes, metadata\)$/],
    ['{"key":7,"width":1,"height":1}', /line 1: key must be a non-empty string, got 7$/],
    ['{"width":1,"height":1}', /line 1: key is missing$/],
    ['{"key":"a","width":"12","height":1}', /line 1: width must be a positive integer, got "12"$/],
    ['{"key":"a","width":1,"height":1,"label":3}', /line 1: label must be a string, got 3$/],
    ['{"key":"a","width":1,"height":1,"metadata":[1]}', /line 1: metadata must be a JSON object, got \[1\]$/],
    ['{"key":"a","width":1,"height":1,"boxes":[[0,0,1,1]]}', /line 1: boxes must be an object of NAME: \[x, y, width, height\], got \[\[0,0,1,1\]\]$/],
    ['{"key":"a","width":1,"height":1,"boxes":{"object":[0,0,1]}}', /line 1: boxes\.object must be \[x, y, width, height\] \(4 numbers\), got \[0,0,1\]$/],
    ['{"key":"a","width":1,"height":1,"boxes":{"object":[0,0,-1,1]}}', /line 1: boxes\.object has a negative size: \[0, 0, -1, 1\]$/],
    ['[1]', /element 1: an image record must be a JSON object, got 1$/],
  ])('names the field at fault in %s', (text, message) => {
    expect(parse(text)).toThrow(message);
  });

  it('names the elements that repeat a key', () => {
    expect(parse('[{"key":"a","width":1,"height":1},{"key":"b","width":1,"height":1},{"key":"a","width":1,"height":1},{"key":"b","width":1,"height":1}]')).toThrow(
      /^f\.json: the key "a" appears more than once, on elements 1 and 3 \(and 1 more repeated key\)$/,
    );
  });

  it('recognises one pretty-printed object given for JSON Lines', () => {
    expect(parse('{\n  "key": "a",\n  "width": 1,\n  "height": 1\n}\n')).toThrow(/^f\.json holds one JSON object; give a JSON array of images, or JSON Lines with one image per line$/);
  });

  it('keeps a box named __proto__ as a box', () => {
    const [record] = parseImageFile('{"key":"a","width":1,"height":1,"boxes":{"__proto__":[0,0,1,1]}}', 'f.jsonl');
    expect(Object.keys(record.boxes!)).toEqual(['__proto__']);
  });
});
