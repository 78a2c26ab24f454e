import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

/** A file to ingest, from disk or from an upload. */
export interface IngestFile {
  /** As the user named it: a path, or an upload's file name. */
  readonly name: string;
  read(): Promise<Uint8Array>;
  /**
   * Hands back bytes read() returned, once nothing reads them any more (nor views of them): a
   * later read may reuse their memory. Optional both ways: bytes never handed back are only
   * not reused.
   */
  release?(bytes: Uint8Array): void;
  /** The companion file named like this one with `suffix` in place of its extension, or null. */
  sidecar(suffix: string): Promise<Uint8Array | null>;
}

/** A path that could not be taken as an input, with the reason. */
export interface RejectedPath {
  file: string;
  reason: string;
}

/** The lower-case extension with its dot, '' for none. */
export const extensionOf = (name: string): string => extname(name).toLowerCase();

const withoutExtension = (name: string): string => name.slice(0, name.length - extname(name).length);

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Buffers of released file bytes, kept for the next reads, at most this many bytes of them. */
const KEPT_READ_BYTES = 64 << 20;
const readBuffers: Buffer[] = [];
let keptReadBytes = 0;

/**
 * The file's bytes, read into a buffer of an earlier file when one is free and large enough.
 * Synchronous: a mask file is read from the page cache in a fraction of the promise API's CPU
 * time (several thread-pool round trips per file), which is what bounds an ingest. Into a reused
 * buffer: a fresh one costs the kernel its pages each time (a 200 KB float32 .npy took 0.14 ms of
 * CPU to read so, 0.07 ms into a reused buffer).
 */
function readInto(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    // A pipe or device has no size to read to.
    if (!stat.isFile()) return readFileSync(fd);
    const size = stat.size;
    const at = readBuffers.findIndex((b) => b.byteLength >= size);
    const buffer = at >= 0 ? readBuffers.splice(at, 1)[0] : Buffer.allocUnsafeSlow(size);
    if (at >= 0) keptReadBytes -= buffer.byteLength;
    let read = 0;
    // A file that grows while read is read as far as its size was; one that shrinks, to its end.
    for (let n = 1; read < size && n > 0; read += n) n = readSync(fd, buffer, read, size - read, read);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function releaseRead(bytes: Uint8Array): void {
  const buffer = Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
  if (keptReadBytes + buffer.byteLength > KEPT_READ_BYTES) return;
  keptReadBytes += buffer.byteLength;
  readBuffers.push(buffer);
}

function diskFile(path: string): IngestFile {
  return {
    name: path,
    read: async () => readInto(path),
    release: releaseRead,
    async sidecar(suffix) {
      try {
        return await readFile(withoutExtension(path) + suffix);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
  };
}

/** Every file under a folder, depth first in name order, so an ingest's order is reproducible. */
async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * Files named on the command line, and the files under named folders whose extension the source
 * reads (others in a folder are companions or unrelated, and are passed over). A named file the
 * source cannot read, or a path that does not exist, is rejected with the reason.
 */
export async function filesFromPaths(
  paths: readonly string[],
  extensions: readonly string[],
): Promise<{ files: IngestFile[]; rejected: RejectedPath[]; passedOver: number }> {
  const files: IngestFile[] = [];
  const rejected: RejectedPath[] = [];
  let passedOver = 0;
  const readable = (name: string) => extensions.includes(extensionOf(name));
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      rejected.push({ file: path, reason: isMissing(error) ? 'no such file or folder' : (error as Error).message });
      continue;
    }
    if (!isDirectory) {
      if (readable(path)) files.push(diskFile(path));
      else rejected.push({ file: path, reason: `the source reads ${extensions.join(', ')} files, not ${extensionOf(path) || 'files without an extension'}` });
      continue;
    }
    for (const file of await walk(path)) {
      if (readable(file)) files.push(diskFile(file));
      else passedOver++;
    }
  }
  return { files, rejected, passedOver };
}

/** An uploaded file (the WHATWG File a GraphQL multipart request carries). */
export interface UploadedFile {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Uploads as inputs: those the source reads are ingested; the others are only companions
 * (sidecars) of those, found by name.
 */
export function filesFromUploads(uploads: readonly UploadedFile[], extensions: readonly string[]): { files: IngestFile[]; passedOver: string[] } {
  const byName = new Map(uploads.map((u) => [basename(u.name), u]));
  const bytesOf = async (u: UploadedFile) => new Uint8Array(await u.arrayBuffer());
  const files: IngestFile[] = [];
  const passedOver: string[] = [];
  for (const upload of uploads) {
    if (!extensions.includes(extensionOf(upload.name))) {
      passedOver.push(upload.name);
      continue;
    }
    files.push({
      name: upload.name,
      read: () => bytesOf(upload),
      async sidecar(suffix) {
        const companion = byName.get(withoutExtension(basename(upload.name)) + suffix);
        return companion ? bytesOf(companion) : null;
      },
    });
  }
  return { files, passedOver };
}

/**
 * The image key a file name gives: the name without folders and extension, or the first capture
 * group of `keyRegex` matched against the name without folders. Null when the regex does not match.
 */
export function imageKeyOf(name: string, keyRegex?: RegExp): string | null {
  const base = basename(name);
  if (!keyRegex) return withoutExtension(base);
  const match = keyRegex.exec(base);
  return match?.[1] || null;
}
