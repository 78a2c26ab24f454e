import { SourceInputError } from '../kit/index.js';
import { csvRows } from './csv.js';
import { FixationTable, addFlatRecord, addNestedImage, isRecord } from './fixations.js';
import type { FieldRules, ImageFixations } from './fixations.js';

/** The fixation file formats, by lower-case extension. */
export const FIXATION_EXTENSIONS = ['.csv', '.json', '.jsonl'] as const;

/**
 * Every image's fixations in a fixation file, checked entirely before any map is rendered, so a
 * bad line fails the file before work is spent on it.
 */
export function readFixationFile(bytes: Uint8Array, extension: string, rules: FieldRules): ImageFixations[] {
  const text = utf8(bytes);
  const table = new FixationTable();
  if (extension === '.csv') readCsv(text, table, rules);
  else if (extension === '.jsonl') readJsonLines(text, table, rules);
  else readJsonArray(text, table, rules);
  return table.images();
}

function utf8(bytes: Uint8Array): string {
  try {
    // Strips a byte order mark, which spreadsheet programs like to write.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SourceInputError('is not UTF-8 text');
  }
}

const CSV_COLUMNS = ['image', 'key', 'x', 'y', 'duration', 'observer', 'width', 'height'] as const;

/** A header row naming the columns (any order, any case; other columns are ignored), then one fixation per row. */
function readCsv(text: string, table: FixationTable, rules: FieldRules): void {
  const rows = csvRows(text);
  const header = rows.next();
  if (header.done) throw new SourceInputError('is empty; expected a header row (image, x, y, …) and fixation rows');
  const columns = csvColumns(header.value.fields, header.value.line);
  const width = header.value.fields.length;
  for (const { line, fields } of rows) {
    if (fields.length !== width) {
      throw new SourceInputError(`line ${line}: has ${fields.length} fields, but the header has ${width}`);
    }
    const record: Record<string, string> = {};
    for (const [name, index] of columns) record[name] = fields[index];
    addFlatRecord(table, record, `line ${line}`, rules);
  }
}

function csvColumns(names: readonly string[], line: number): Map<string, number> {
  const columns = new Map<string, number>();
  names.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) return;
    if (columns.has(name)) throw new SourceInputError(`line ${line}: the header names column ${JSON.stringify(name)} twice`);
    columns.set(name, index);
  });
  const missing = ['x', 'y'].filter((name) => !columns.has(name));
  if (!columns.has('image') && !columns.has('key')) missing.unshift('image (or key)');
  if (missing.length > 0 || (columns.has('image') && columns.has('key'))) {
    throw new SourceInputError(
      `line ${line}: the header must name the columns image (or key, not both), x and y` +
        (missing.length > 0 ? `; missing ${missing.join(', ')}` : '; it names both image and key') +
        ` (header: ${names.join(',')})`,
    );
  }
  return columns;
}

/** One JSON value per line: a flat fixation record, or an image in the nested format. Blank lines are skipped. */
function readJsonLines(text: string, table: FixationTable, rules: FieldRules): void {
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SourceInputError(`${where}: is not valid JSON (${jsonProblem(error, line).message})`);
    }
    addElement(table, value, where, rules);
  });
}

/** A JSON array of flat fixation records and/or images in the nested format. */
function readJsonArray(text: string, table: FixationTable, rules: FieldRules): void {
  let array: unknown;
  try {
    array = JSON.parse(text);
  } catch (error) {
    const { message, line, column } = jsonProblem(error, text);
    throw new SourceInputError(`is not valid JSON${line ? ` at line ${line}, column ${column}` : ''}: ${message}`);
  }
  if (!Array.isArray(array)) {
    throw new SourceInputError('expected a JSON array of fixation records or of images with subjects (for one record per line, name the file .jsonl)');
  }
  array.forEach((value: unknown, index) => addElement(table, value, `element ${index + 1}`, rules));
}

/** Images of the nested format are told apart by their `subjects` list. */
function addElement(table: FixationTable, value: unknown, where: string, rules: FieldRules): void {
  if (isRecord(value) && 'subjects' in value) addNestedImage(table, value, where, rules);
  else addFlatRecord(table, value, where, rules);
}

/** V8's "... in JSON at position N" as a line and column of `text`. */
function jsonProblem(error: unknown, text: string): { message: string; line?: number; column?: number } {
  const message = error instanceof Error ? error.message : String(error);
  const at = /\s*in JSON at position (\d+).*$/.exec(message);
  if (!at) return { message };
  const before = text.slice(0, Number(at[1]));
  return { message: message.slice(0, at.index), line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
}
