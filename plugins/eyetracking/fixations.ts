import { SourceInputError } from '../kit/index.js';

/** One fixation in image pixel coordinates (x to the right, y down, origin top-left). */
export interface Fixation {
  readonly x: number;
  readonly y: number;
  /** Any unit (seconds, milliseconds): only its ratio to other durations matters. */
  readonly duration?: number;
  readonly observer?: string;
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** The fixations a file holds for one image, and the image size if the file gives it. */
export interface ImageFixations {
  readonly key: string;
  readonly size: ImageSize | null;
  readonly fixations: Fixation[];
}

/**
 * The image key of an image name: the name without folders and without its last extension
 * ("photos/001.jpg" → "001"), the rule the ingest applies to file names, so that maps from
 * fixations and masks ingested from files named after the same image meet on one key.
 */
export function imageKeyOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Fixations grouped by image key, in order of first appearance, with the image size each image
 * is given in the file; a size given twice must agree.
 */
export class FixationTable {
  private readonly byKey = new Map<string, { key: string; size: ImageSize | null; sizeGivenAt: string; fixations: Fixation[] }>();

  /** The fixation list of an image, to push to; registers the image and its size from the file, if given. */
  fixationsOf(key: string, size: ImageSize | null, where: string): Fixation[] {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { key, size: null, sizeGivenAt: '', fixations: [] };
      this.byKey.set(key, entry);
    }
    if (size && !entry.size) {
      entry.size = size;
      entry.sizeGivenAt = where;
    } else if (size && entry.size && (entry.size.width !== size.width || entry.size.height !== size.height)) {
      throw new SourceInputError(
        `${where}: image ${JSON.stringify(key)} is ${size.width}×${size.height} here but ${entry.size.width}×${entry.size.height} at ${entry.sizeGivenAt}`,
      );
    }
    return entry.fixations;
  }

  images(): ImageFixations[] {
    return [...this.byKey.values()].map(({ key, size, fixations }) => ({ key, size, fixations }));
  }
}

/** What the file readers check fields against. */
export interface FieldRules {
  /** Duration weighting is on: every fixation must give a duration. */
  readonly durationRequired: boolean;
}

/**
 * A flat fixation record — from a CSV row (string values) or a JSON object — checked and added:
 * `image` (an image name, keyed by imageKeyOf) or `key` (the key itself), `x`, `y`, optional
 * `duration`, `observer`, and `width` with `height`. Empty strings and null count as absent.
 */
export function addFlatRecord(table: FixationTable, record: unknown, where: string, rules: FieldRules): void {
  if (!isRecord(record)) {
    throw new SourceInputError(`${where}: expected a fixation record (an object with image or key, x, y), got ${describe(record)}`);
  }
  const image = present(record.image);
  const key = present(record.key);
  if (image !== undefined && key !== undefined) throw new SourceInputError(`${where}: give image or key, not both`);
  if (image === undefined && key === undefined) throw new SourceInputError(`${where}: image (or key) is missing`);
  const imageKey = key !== undefined ? text(key, 'key', where) : imageKeyOf(text(image, 'image', where));
  const fixations = table.fixationsOf(imageKey, sizeField(record, where), where);
  fixations.push(fixation(record.x, record.y, record.duration, record.observer, where, rules));
}

/**
 * One image of the nested format of recorded datasets:
 * `{ image, width?, height?, subjects: [[[x, y, start?, duration?], ...], ...] }`, one list of
 * fixations per observer; observers are numbered from 1 in the order given.
 */
export function addNestedImage(table: FixationTable, entry: Record<string, unknown>, where: string, rules: FieldRules): void {
  const name = text(entry.image, 'image', where);
  const at = `${where} (image ${JSON.stringify(name)})`;
  const fixations = table.fixationsOf(imageKeyOf(name), sizeField(entry, at), at);
  if (!Array.isArray(entry.subjects)) throw new SourceInputError(`${at}: subjects must be an array of observers' fixation lists, got ${describe(entry.subjects)}`);
  entry.subjects.forEach((subject: unknown, s) => {
    if (!Array.isArray(subject)) throw new SourceInputError(`${at}, observer ${s + 1}: expected a list of fixations, got ${describe(subject)}`);
    subject.forEach((point: unknown, f) => {
      const here = `${at}, observer ${s + 1}, fixation ${f + 1}`;
      if (!Array.isArray(point) || point.length < 2) {
        throw new SourceInputError(`${here}: expected [x, y, start, duration], got ${describe(point)}`);
      }
      fixations.push(fixation(point[0], point[1], point[3], String(s + 1), here, rules));
    });
  });
}

function fixation(x: unknown, y: unknown, duration: unknown, observer: unknown, where: string, rules: FieldRules): Fixation {
  const d = present(duration);
  const o = present(observer);
  if (rules.durationRequired && d === undefined) {
    throw new SourceInputError(`${where}: duration is missing, and durationWeighted needs one for every fixation`);
  }
  const durationValue = d === undefined ? undefined : finite(d, 'duration', where);
  if (durationValue !== undefined && durationValue < 0) throw new SourceInputError(`${where}: duration must not be negative, got ${durationValue}`);
  return {
    x: finite(x, 'x', where),
    y: finite(y, 'y', where),
    ...(durationValue !== undefined && { duration: durationValue }),
    ...(o !== undefined && { observer: typeof o === 'number' ? String(o) : text(o, 'observer', where) }),
  };
}

function sizeField(record: Record<string, unknown>, where: string): ImageSize | null {
  const width = present(record.width);
  const height = present(record.height);
  if (width === undefined && height === undefined) return null;
  if (width === undefined || height === undefined) throw new SourceInputError(`${where}: give width and height together, or neither`);
  return { width: positiveInteger(width, 'width', where), height: positiveInteger(height, 'height', where) };
}

/** The value, or undefined for absent, null and empty (CSV) fields. */
const present = (value: unknown) => (value === null || value === '' ? undefined : value);

// Decimal notation only: Number() would also take "0x1A", "Infinity" and "".
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function finite(value: unknown, field: string, where: string): number {
  if (present(value) === undefined) throw new SourceInputError(`${where}: ${field} is missing`);
  const n = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new SourceInputError(`${where}: ${field} must be a finite number, got ${describe(value)}`);
  return n;
}

function positiveInteger(value: unknown, field: string, where: string): number {
  const n = finite(value, field, where);
  if (!Number.isInteger(n) || n < 1) throw new SourceInputError(`${where}: ${field} must be a positive whole number of pixels, got ${describe(value)}`);
  return n;
}

function text(value: unknown, field: string, where: string): string {
  const s = typeof value === 'string' ? value.trim() : '';
  if (s === '') throw new SourceInputError(`${where}: ${field} must be a non-empty string, got ${describe(value)}`);
  return s;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}
