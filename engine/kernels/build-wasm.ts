/**
 * Builds count.wasm from count.wat with wabt (a pinned devDependency): `npm run build:wasm`.
 * test/engine/kernels-wasm-build.test.ts rebuilds it and fails when the committed binary drifts.
 * Tooling only: nothing at run time imports this module.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

export const watUrl = new URL('./count.wat', import.meta.url);
export const wasmUrl = new URL('./count.wasm', import.meta.url);

/** The binary for a .wat text: SIMD on, no debug names, so the output depends on the text alone. */
export async function buildWasm(wat: string): Promise<Uint8Array> {
  const wabt = await initWabt();
  const module = wabt.parseWat('count.wat', wat, { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await buildWasm(await readFile(watUrl, 'utf8'));
  await writeFile(wasmUrl, bytes);
  console.log(`wrote ${fileURLToPath(wasmUrl)} (${bytes.length} bytes)`);
}
