import { SourceInputError } from '../kit/index.js';

/** One CSV record: its fields and the line it starts on (1-based; a quoted field may span lines). */
export interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

/**
 * The records of CSV text (RFC 4180): comma-separated fields, records ended by CRLF, LF or CR,
 * fields optionally in double quotes, where "" stands for one quote and commas and line breaks
 * are kept. Blank lines are skipped. Fields are returned as written (not trimmed).
 */
export function* csvRows(text: string): Generator<CsvRow> {
  const end = text.length;
  let i = 0;
  let line = 1;
  while (i < end) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        field = '';
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0) throw new SourceInputError(`line ${start}: field ${fields.length + 1} opens a quote that is never closed`);
          const piece = text.slice(i, quote);
          field += piece;
          line += countLineBreaks(piece);
          if (text[quote + 1] !== '"') {
            i = quote + 1;
            break;
          }
          field += '"';
          i = quote + 2;
        }
        if (i < end && !isFieldEnd(text[i])) {
          throw new SourceInputError(`line ${line}: field ${fields.length + 1} has text after its closing quote; write "" for a quote inside a quoted field`);
        }
      } else {
        let j = i;
        while (j < end && !isFieldEnd(text[j])) j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    yield { line: start, fields };
  }
}

const isFieldEnd = (c: string) => c === ',' || c === '\n' || c === '\r';

function countLineBreaks(s: string): number {
  let n = 0;
  for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) n++;
  return n;
}
