import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { encodeRgbPng } from '../png.js';

/** The real demo's photos to write as PNG (the service renders overlays from PNG), into dir. */
export interface PhotoTask {
  dir: string;
  keys: readonly string[];
}

const PHOTOS_DIR = fileURLToPath(new URL('./data/photos/', import.meta.url));

/**
 * Decodes the committed JPEGs of these keys and writes them as PNG files; returns each key's
 * file. Run in the demo generator's threads by a server: decoding is the costliest step of the
 * real demo's seeding (jpeg-js, before the JIT warms up, takes about 40 ms a photo), and on the
 * server's thread it held up the page's requests.
 */
export async function writePhotos({ dir, keys }: PhotoTask): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const files = new Map<string, string>();
  for (const key of keys) {
    const decoded = jpeg.decode(await readFile(join(PHOTOS_DIR, `${key}.jpg`)), { useTArray: true, formatAsRGBA: false });
    const path = join(dir, `${key}.png`);
    // Node's zlib, not fast-png's JavaScript deflate.
    await writeFile(path, encodeRgbPng(decoded.width, decoded.height, decoded.data));
    files.set(key, path);
  }
  return files;
}

/** The keys of the photos, in the order the real demo seeds them (by key). */
export async function photoKeys(): Promise<string[]> {
  const names = (await readdir(PHOTOS_DIR)).filter((name) => name.endsWith('.jpg'));
  return names.map((name) => name.slice(0, -'.jpg'.length)).sort((a, b) => a.localeCompare(b));
}
