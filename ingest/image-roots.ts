import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A uri that is not a local path under one of the roots; the message says which roots there are. */
export class UriOutsideRoots extends Error {
  override name = 'UriOutsideRoots';
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

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
 * The folders the operator lets the server read image files from (`serve --image-root`). A uri
 * is readable when the path it names lies under a root, both as written and after resolving
 * symbolic links (a link inside a root that points outside it is refused).
 */
export class ImageRoots {
  readonly roots: readonly string[];

  constructor(roots: readonly string[]) {
    this.roots = [...new Set(roots.map((root) => resolve(root)))];
  }

  /** The path a uri names under a root, checked as written; null when it names none. */
  pathOf(uri: string | null): string | null {
    const path = localPath(uri);
    return path !== null && this.roots.some((root) => inside(root, path)) ? path : null;
  }

  /** The real path of the file a uri names, when it exists and lies under a root; null otherwise. */
  async realPathOf(uri: string | null): Promise<string | null> {
    const path = this.pathOf(uri);
    if (path === null) return null;
    try {
      const real = await realpath(path);
      for (const root of this.roots) {
        const realRoot = await realpath(root).catch(() => root);
        if (inside(realRoot, real)) return real;
      }
    } catch {
      // Missing or unreadable: the same answer as a forbidden path.
    }
    return null;
  }

  /** Throws UriOutsideRoots unless the uri is empty or names a path under a root (GraphQL's upsertImages checks each uri so). */
  check(uri: string | null | undefined): void {
    if (uri === null || uri === undefined || uri === '') return;
    if (this.pathOf(uri) !== null) return;
    const where = this.roots.length === 0 ? 'this server reads no image files (no --image-root)' : `the image roots are ${this.roots.join(', ')}`;
    throw new UriOutsideRoots(`must be a local path or file:// URL under an image root; ${where}`);
  }
}
