import { describe, expect, it } from 'vitest';
import { csvRows } from '../../../plugins/eyetracking/csv.js';
import { SourceInputError } from '../../../plugins/kit/index.js';

const rows = (text: string) => [...csvRows(text)];

describe('csvRows', () => {
  it('splits plain fields and numbers records by their first line, skipping blank lines', () => {
    expect(rows('a,b,c\n1,2,3\n\n4,,6\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
      { line: 4, fields: ['4', '', '6'] },
    ]);
  });

  it('reads CRLF line ends and a last record without one', () => {
    expect(rows('a,b\r\n1,2\r\n3,4')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(rows('image,x\n"a, ""b""\nc.jpg",5\nnext,6\n')).toEqual([
      { line: 1, fields: ['image', 'x'] },
      { line: 2, fields: ['a, "b"\nc.jpg', '5'] },
      { line: 4, fields: ['next', '6'] },
    ]);
    expect(rows('"",""\n')).toEqual([{ line: 1, fields: ['', ''] }]);
  });

  it('rejects a quote that is never closed, naming the line it opened on', () => {
    expect(() => rows('a,b\n1,"2\n3,4\n')).toThrow(new SourceInputError('line 2: field 2 opens a quote that is never closed'));
  });

  it('rejects text after a closing quote', () => {
    expect(() => rows('a,b\n"1"x,2\n')).toThrow(/^line 2: field 1 has text after its closing quote/);
  });
});
