import { readFile } from 'node:fs/promises';
import type { NewImage } from '../db/repositories/images.js';
import { InvalidImageRecord, parseImageRecord } from './image-records.js';
import { UserError, fileProblem } from '../text/errors.js';
import { count, listing } from '../text/format.js';

/** Where a record sits in the file, for messages: "line 3", or "element 3 (line 12)". */
interface Locator {
  one(index: number): string;
  /** Several records: "lines 2 and 7", "elements 2 and 7". */
  many(indexes: readonly number[]): string;
  /** What a bad record is called in "(and 4 more bad lines)". */
  unit: string;
}

/**
 * Reads and checks an image file entirely — syntax, fields, keys unique within the file — so
 * that an import either has every record or fails before touching the store.
 */
export async function readImageFile(path: string): Promise<NewImage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${path}: ${fileProblem(error)}`);
  }
  return parseImageFile(text, path);
}

/** A record as parsed from the file, or why its line is not JSON; `index` is its 0-based line or element. */
type Entry = { index: number; value: unknown } | { index: number; problem: string };

/** A JSON array of image records, or JSON Lines: one record per line, blank lines allowed. */
export function parseImageFile(text: string, name: string): NewImage[] {
  const body = text.replace(/^\uFEFF/, '');
  const { entries, locator } = body.trimStart().startsWith('[') ? arrayEntries(body, name) : lineEntries(body, name);
  const records: NewImage[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    if ('problem' in entry) {
      problems.push(`${name} ${locator.one(entry.index)}: ${entry.problem}`);
      continue;
    }
    try {
      records.push(parseImageRecord(entry.value));
    } catch (error) {
      if (!(error instanceof InvalidImageRecord)) throw error;
      problems.push(`${name} ${locator.one(entry.index)}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new UserError(problems[0] + more(problems.length - 1, `bad ${locator.unit}`));
  checkUniqueKeys(records, entries.map((e) => e.index), locator, name);
  return records;
}

const more = (n: number, what: string) => (n > 0 ? ` (and ${count(n)} more ${what}${n === 1 ? '' : 's'})` : '');

/** "2, 5 and 7" of 0-based indexes; "1, 2, 3, 4, 5, …" when there are many. */
function numbers(indexes: readonly number[]): string {
  const shown = indexes.slice(0, 5).map((i) => String(i + 1));
  return indexes.length > shown.length ? `${shown.join(', ')}, …` : listing(shown);
}

function checkUniqueKeys(records: readonly NewImage[], indexes: readonly number[], locator: Locator, name: string): void {
  const byKey = new Map<string, number[]>();
  records.forEach((record, i) => {
    const seen = byKey.get(record.key);
    if (seen) seen.push(indexes[i]);
    else byKey.set(record.key, [indexes[i]]);
  });
  const repeated = [...byKey].filter(([, at]) => at.length > 1);
  if (repeated.length === 0) return;
  const [key, at] = repeated[0];
  throw new UserError(`${name}: the key ${JSON.stringify(key)} appears more than once, on ${locator.many(at)}` + more(repeated.length - 1, 'repeated key'));
}

function lineEntries(text: string, name: string): { entries: Entry[]; locator: Locator } {
  const entries: Entry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      entries.push({ index, value: JSON.parse(line) });
    } catch (error) {
      const { message, column } = jsonSyntaxError(error, line);
      entries.push({ index, problem: `invalid JSON: ${message}${column ? ` (column ${column})` : ''}` });
    }
  });
  if (entries.length > 0 && 'problem' in entries[0] && isObject(parses(text))) {
    throw new UserError(`${name} holds one JSON object; give a JSON array of images, or JSON Lines with one image per line`);
  }
  return { entries, locator: { one: (i) => `line ${i + 1}`, many: (indexes) => `lines ${numbers(indexes)}`, unit: 'line' } };
}

function arrayEntries(text: string, name: string): { entries: Entry[]; locator: Locator } {
  let array: unknown[];
  try {
    array = JSON.parse(text) as unknown[];
  } catch (error) {
    const { message, line, column } = jsonSyntaxError(error, text);
    throw new UserError(`${name}: invalid JSON${line ? ` at line ${line}, column ${column}` : ''}: ${message}`);
  }
  let starts: number[] | undefined;
  // Only a pretty-printed file has lines worth naming; finding them is left to the error path.
  const lineOf = (i: number) => (text.trim().includes('\n') ? ` (line ${(starts ??= elementLines(text))[i]})` : '');
  return {
    entries: array.map((value, index) => ({ index, value })),
    locator: { one: (i) => `element ${i + 1}${lineOf(i)}`, many: (indexes) => `elements ${numbers(indexes)}`, unit: 'element' },
  };
}

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The parsed value, or undefined if `text` is not JSON. */
function parses(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** V8's "... in JSON at position N" turned into a line and column of `text`. */
function jsonSyntaxError(error: unknown, text: string): { message: string; line?: number; column?: number } {
  const message = error instanceof Error ? error.message : String(error);
  const at = /\s*in JSON at position (\d+).*$/.exec(message);
  if (!at) return { message };
  const before = text.slice(0, Number(at[1]));
  const lineStart = before.lastIndexOf('\n');
  return { message: message.slice(0, at.index), line: before.split('\n').length, column: before.length - lineStart };
}

/** The line each top-level element of a valid JSON array starts on. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (expectElement && depth === 1 && c !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') expectElement = ++depth === 1;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectElement = true;
  }
  return lines;
}
