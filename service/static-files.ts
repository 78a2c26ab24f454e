import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, relative } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * A built single-page app: `/` is its index.html, other paths its files. Vite names what it puts
 * under assets/ by content hash, so those never change under a name and are cached for a year;
 * everything else (index.html names the current hashes) is revalidated on each use.
 */
export class StaticFiles {
  constructor(readonly root: string) {}

  /** Serves the file for a GET or HEAD of pathname; false when there is none, so the caller can answer otherwise. */
  async serve(pathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = this.fileOf(pathname);
    if (!path) return false;
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return false;
    const immutable = pathname.startsWith('/assets/');
    const etag = `W/"${info.size.toString(36)}-${Math.round(info.mtimeMs).toString(36)}"`;
    const headers = {
      'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag,
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    const body = await readFile(path);
    res.writeHead(200, { ...headers, 'content-length': body.byteLength });
    res.end(body);
    return true;
  }

  /** The file under root a URL path names; null for one that would leave root. */
  private fileOf(pathname: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    // join normalises away "..", so a path that leaves root shows up as one relative to it starting with "..".
    const path = join(this.root, decoded === '/' ? 'index.html' : decoded);
    const inside = relative(this.root, path);
    return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? null : path;
  }
}
