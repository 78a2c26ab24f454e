import type { NewImage } from '../db/repositories/images.js';
import type { Box, JsonObject } from '../db/schema.js';

/** An image record that breaks a rule; the message names the offending field. */
export class InvalidImageRecord extends Error {
  override name = 'InvalidImageRecord';
}

const FIELDS = ['key', 'width', 'height', 'uri', 'label', 'split', 'boxes', 'metadata'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value as a message shows it: JSON, cut short, so a stray megabyte does not end up in one line. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Checks one image record, as GraphQL or an import file gives it, and returns what upsertImages
 * stores. Types are checked too, since a JSON file carries none. `path` prefixes field names in
 * messages (`images[3]` gives `images[3].width ...`); without it fields are named bare.
 */
export function parseImageRecord(value: unknown, path = ''): NewImage {
  const field = (name: string) => (path ? `${path}.${name}` : name);
  if (!isObject(value)) fail(`${path || 'an image record'} must be a JSON object, got ${shown(value)}`);
  const unknown = Object.keys(value).find((name) => !FIELDS.includes(name));
  if (unknown !== undefined) fail(`${field(unknown)} is not a field of an image (those are ${FIELDS.join(', ')})`);

  const { key, width, height, uri, label, split, boxes, metadata } = value;
  if (key === undefined) fail(`${field('key')} is missing`);
  if (typeof key !== 'string' || key === '') fail(`${field('key')} must be a non-empty string, got ${shown(key)}`);
  for (const [name, side] of [['width', width], ['height', height]] as const) {
    if (side === undefined) fail(`${field(name)} is missing`);
    if (!Number.isInteger(side) || (side as number) <= 0) fail(`${field(name)} must be a positive integer, got ${shown(side)}`);
  }
  for (const [name, text] of [['uri', uri], ['label', label], ['split', split]] as const) {
    if (text !== undefined && text !== null && typeof text !== 'string') fail(`${field(name)} must be a string, got ${shown(text)}`);
  }
  if (metadata !== undefined && metadata !== null && !isObject(metadata)) fail(`${field('metadata')} must be a JSON object, got ${shown(metadata)}`);

  return {
    key,
    width: width as number,
    height: height as number,
    uri: (uri as string | undefined) ?? null,
    label: (label as string | undefined) ?? null,
    split: (split as string | undefined) ?? null,
    boxes: parseBoxes(boxes, field('boxes')),
    metadata: (metadata as JsonObject | null | undefined) ?? undefined,
  };
}

function fail(message: string): never {
  throw new InvalidImageRecord(message);
}

function parseBoxes(value: unknown, name: string): Record<string, Box> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) fail(`${name} must be an object of NAME: [x, y, width, height], got ${shown(value)}`);
  // fromEntries rather than assignment: a box named "__proto__" must stay a box.
  return Object.fromEntries(
    Object.entries(value).map(([boxName, box]): [string, Box] => {
      if (boxName === '') fail(`${name} has a box with an empty name`);
      const numbers = Array.isArray(box) && box.length === 4 && box.every((n) => typeof n === 'number' && Number.isFinite(n));
      if (!numbers) fail(`${name}.${boxName} must be [x, y, width, height] (4 numbers), got ${shown(box)}`);
      const [x, y, w, h] = box as Box;
      if (w < 0 || h < 0) fail(`${name}.${boxName} has a negative size: [${x}, ${y}, ${w}, ${h}]`);
      return [boxName, [x, y, w, h]];
    }),
  );
}
