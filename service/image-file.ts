import { open, type FileHandle } from 'node:fs/promises';
import { hasPngSignature } from 'fast-png';
import type { ImageRoots } from '../ingest/image-roots.js';

/**
 * An image's own pixels, when its uri names a PNG file under an image root. Only local files:
 * the service fetches nothing over the network on a client's behalf, and only PNG, the one format
 * it decodes. A missing file, one outside the roots, one too large and one that is not a PNG all
 * give null, so a client cannot tell which (nor probe the server's disk).
 */
export interface ImageFile {
  path: string;
  bytes: Uint8Array;
  /** Changes when the file does (size, mtime) or the uri moves to another file: a cache validator. */
  version: string;
}

/** Image files larger than this are not served (nor read): an image is not worth more memory per request. */
export const MAX_IMAGE_FILE_BYTES = 64 * 2 ** 20;

const SIGNATURE_BYTES = 8;

/**
 * Runs `use` on the PNG file a uri names, opened once (so the stat, the signature check and the
 * read see the same file); null when there is no such file under a root, it is not a regular
 * file, too large, or does not start with the PNG signature.
 */
async function withLocalPng<T>(roots: ImageRoots, uri: string | null, use: (handle: FileHandle, path: string, size: number, version: string) => Promise<T | null>): Promise<T | null> {
  const path = await roots.realPathOf(uri);
  if (!path) return null;
  try {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.size > MAX_IMAGE_FILE_BYTES || stat.size < SIGNATURE_BYTES) return null;
      const head = new Uint8Array(SIGNATURE_BYTES);
      await handle.read(head, 0, SIGNATURE_BYTES, 0);
      if (!hasPngSignature(head)) return null;
      return await use(handle, path, stat.size, versionOf(path, stat.size, stat.mtimeMs));
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** The version of the PNG file a uri names, without reading it whole; null when there is none to serve. */
export const imageFileVersion = (roots: ImageRoots, uri: string | null): Promise<string | null> =>
  withLocalPng(roots, uri, async (_, __, ___, version) => version);

/** The PNG file a uri names, or null when there is none to serve. */
export const readImageFile = (roots: ImageRoots, uri: string | null): Promise<ImageFile | null> =>
  withLocalPng(roots, uri, async (handle, path, size, version) => {
    const bytes = new Uint8Array(size);
    const { bytesRead } = await handle.read(bytes, 0, size, 0);
    return bytesRead === size ? { path, bytes, version } : null;
  });

const versionOf = (path: string, size: number, mtimeMs: number): string => `${path}:${size}:${Math.round(mtimeMs)}`;
