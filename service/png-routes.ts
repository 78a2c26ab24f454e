import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { getImagesByKeys } from '../db/repositories/images.js';
import { getMasksByIds } from '../db/repositories/masks.js';
import type { ImageRow } from '../db/schema.js';
import { DEFAULT_MAX_PIXELS } from '../plugins/kit/index.js';
import type { Colormap } from './colormaps.js';
import { COLORMAPS } from './colormaps.js';
import { imageFileVersion, readImageFile } from './image-file.js';
import type { ImageRoots } from '../ingest/image-roots.js';
import type { MaskSearch } from '../search/mask-search.js';
import type { PngRenderer } from './png-renderer.js';

/** A request the route cannot answer; the message says why, as plain text. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// A mask id is never reused for other pixels (a replaced mask gets a new id), so its renderings never change.
const IMMUTABLE = 'public, max-age=31536000, immutable';
// An image's uri and file may change under the same key: revalidate against the ETag on each use.
const REVALIDATE = 'no-cache';

function colormapParam(url: URL, fallback: Colormap): Colormap {
  const colormap = (url.searchParams.get('colormap') ?? fallback).toLowerCase();
  if (!Object.hasOwn(COLORMAPS, colormap)) throw new HttpError(400, `colormap must be one of ${Object.keys(COLORMAPS).join(', ')}, got '${colormap}'`);
  return colormap as Colormap;
}

function opacityParam(url: URL): number {
  const text = url.searchParams.get('opacity') ?? '0.5';
  const opacity = Number(text);
  if (text.trim() === '' || !(opacity >= 0 && opacity <= 1)) throw new HttpError(400, `opacity must be a number from 0 to 1, got '${text}'`);
  return opacity;
}

const prefix = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n)}...` : text);

/** A mask id in a URL: the global id GraphQL hands out (Mask.id), or the database id it names. */
export function maskIdOf(text: string, what: string): number {
  const id = (digits: string) => (/^\d+$/.test(digits) && Number.isSafeInteger(Number(digits)) ? Number(digits) : null);
  if (/^\d+$/.test(text)) {
    const n = id(text);
    if (n === null) throw new HttpError(404, `mask ${prefix(text, 20)} does not exist`);
    return n;
  }
  try {
    const decoded = decodeGlobalID(text);
    const n = decoded.typename === 'Mask' ? id(decoded.id) : null;
    if (n !== null) return n;
  } catch {
    // Not a Relay id: answered below like any other bad id.
  }
  throw new HttpError(400, `${what}: '${prefix(text, 40)}' is not a mask id`);
}

/** The mask parameter of the overlay route. */
function maskIdParam(url: URL): number {
  const text = url.searchParams.get('mask');
  if (!text) throw new HttpError(400, 'mask is missing: give the id of one of the image\'s masks');
  return maskIdOf(text, 'mask');
}

const shortKey = (key: string) => (key.length > 60 ? `${key.slice(0, 57)}...` : key);

async function imageByKey(service: MaskSearch, key: string): Promise<ImageRow> {
  const [image] = await getImagesByKeys(service.db, [key]);
  if (!image) throw new HttpError(404, `image '${shortKey(key)}' does not exist`);
  return image;
}

// Node leaves the body out of an answer to HEAD by itself.
function sendPng(res: ServerResponse, png: Uint8Array, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.byteLength, ...headers });
  res.end(png);
}

/** Answers 304 when the client holds this ETag already; true if it did. */
function notModified(req: IncomingMessage, res: ServerResponse, etag: string, cacheControl: string): boolean {
  if (req.headers['if-none-match'] !== etag) return false;
  res.writeHead(304, { etag, 'cache-control': cacheControl }).end();
  return true;
}

const etagOf = (...parts: string[]): string => `"${createHash('sha1').update(parts.join('\n')).digest('base64url').slice(0, 20)}"`;

/** GET /masks/ID.png?colormap=gray|viridis|turbo */
export async function serveMaskPng(service: MaskSearch, renderer: PngRenderer, id: number, url: URL, res: ServerResponse): Promise<void> {
  const colormap = colormapParam(url, 'gray');
  const mask = service.table.hasMask(id) ? await service.loadMask(id) : undefined;
  if (!mask) throw new HttpError(404, `mask ${id} does not exist`);
  sendPng(res, await renderer.render({ kind: 'mask', mask, colormap }), { 'cache-control': IMMUTABLE });
}

/** GET /images/KEY.png: the image's own PNG file, when its uri names one this process can read. */
export async function serveImagePng(service: MaskSearch, roots: ImageRoots, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const image = await imageByKey(service, key);
  const version = await imageFileVersion(roots, image.uri);
  const etag = version && etagOf(version);
  if (etag && notModified(req, res, etag, REVALIDATE)) return;
  const file = await readImageFile(roots, image.uri);
  // The same answer whether the file is missing, outside the image roots, too large or not a PNG.
  if (!file) throw new HttpError(404, `image '${shortKey(key)}' has no PNG file this service serves`);
  sendPng(res, file.bytes, { 'cache-control': REVALIDATE, etag: etagOf(file.version) });
}

/**
 * GET /images/KEY/overlay.png?mask=ID&colormap=turbo&opacity=0.5: one of the image's masks
 * through a colormap, blended over the image (or over mid-gray when it has no readable PNG).
 */
export async function serveOverlayPng(service: MaskSearch, renderer: PngRenderer, roots: ImageRoots, key: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const colormap = colormapParam(url, 'turbo');
  const opacity = opacityParam(url);
  const maskId = maskIdParam(url);
  const image = await imageByKey(service, key);
  const [row] = await getMasksByIds(service.db, [maskId]);
  if (!row || row.imageId !== image.id) throw new HttpError(404, `image '${shortKey(key)}' has no mask ${maskId}`);
  // The mask's pixels are fixed by its id; what else goes into the picture is the background's file.
  const background = (await imageFileVersion(roots, image.uri)) ?? `gray ${image.width}x${image.height}`;
  const etag = etagOf(String(maskId), colormap, String(opacity), background);
  if (notModified(req, res, etag, REVALIDATE)) return;
  const mask = await service.loadMask(maskId);
  if (!mask) throw new HttpError(404, `image '${shortKey(key)}' has no mask ${maskId}`);
  // A registered size is a client's claim: the gray stand-in is never larger than the mask's own allowance.
  const [width, height] = image.width && image.height && image.width * image.height <= DEFAULT_MAX_PIXELS ? [image.width, image.height] : [mask.width, mask.height];
  const file = await readImageFile(roots, image.uri);
  const png = await renderer.render({ kind: 'overlay', mask, imagePng: file?.bytes ?? null, size: { width, height }, colormap, opacity });
  sendPng(res, png, { 'cache-control': REVALIDATE, etag });
}
