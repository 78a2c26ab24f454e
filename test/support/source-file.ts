import type { SourceFile } from '../../plugins/kit/index.js';

/**
 * A file as the ingest hands it to a source: key = the name without folders and extension;
 * `sidecars` by suffix ('.keys.txt'), as text or bytes.
 */
export function sourceFile(name: string, content: string | Uint8Array, sidecars: Record<string, Uint8Array | string> = {}): SourceFile {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const bytesOf = (value: string | Uint8Array) => (typeof value === 'string' ? new TextEncoder().encode(value) : value);
  return {
    name,
    extension: dot > 0 ? base.slice(dot).toLowerCase() : '',
    key: dot > 0 ? base.slice(0, dot) : base,
    bytes: bytesOf(content),
    async sidecar(suffix) {
      const found = sidecars[suffix];
      return found === undefined ? null : bytesOf(found);
    },
  };
}
