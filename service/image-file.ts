import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasPngSignature } from 'fast-png';

/**
 * An image's own pixels, when its uri names a PNG file this process can read. Only local files:
 * the service fetches nothing over the network on a client's behalf, and only PNG, the one format
 * it decodes. The signature check also keeps a uri that names some other file (a registered image
 * is trusted, its uri is not vetted) from being served as an image.
 */
export interface ImageFile {
  path: string;
  bytes: Uint8Array;
  /** Changes when the file does (size, mtime) or the uri moves to another file: a cache validator. */
  version: string;
}

/** The local path a uri names (a plain path, relative ones from the working directory, or file://), else null. */
export function localPath(uri: string | null): string | null {
  if (!uri) return null;
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return null;
    }
  }
  // Any other scheme (http:, s3:, data:) is not ours to read; a Windows drive letter is not a scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(uri)) return null;
  return resolve(uri);
}

/**
 * Runs `use` on the regular file a uri names, opened once (so the stat and the read see the same
 * file); null when there is no such file or it cannot be read.
 */
async function withLocalFile<T>(uri: string | null, use: (handle: FileHandle, path: string, version: string) => Promise<T | null>): Promise<T | null> {
  const path = localPath(uri);
  if (!path) return null;
  try {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      return stat.isFile() ? await use(handle, path, versionOf(path, stat.size, stat.mtimeMs)) : null;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** The version of the file a uri names, without reading it; null when it is not a readable regular file. */
export const imageFileVersion = (uri: string | null): Promise<string | null> => withLocalFile(uri, async (_, __, version) => version);

/** The PNG file a uri names, or null when there is none to read. */
export const readImageFile = (uri: string | null): Promise<ImageFile | null> =>
  withLocalFile(uri, async (handle, path, version) => {
    const bytes = new Uint8Array(await handle.readFile());
    return hasPngSignature(bytes) ? { path, bytes, version } : null;
  });

const versionOf = (path: string, size: number, mtimeMs: number): string => `${path}:${size}:${Math.round(mtimeMs)}`;
