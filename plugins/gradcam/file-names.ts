import type { SourceFile } from '../kit/index.js';

/** The name without directories; uploads from Windows may use backslashes. */
export function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}

/** The name of a file's sidecar as SourceFile.sidecar looks it up, e.g. 'batch.keys.txt' for 'runs/batch.npy'. */
export function sidecarName(file: SourceFile, suffix: string): string {
  const name = baseName(file.name);
  return name.slice(0, name.length - file.extension.length) + suffix;
}
