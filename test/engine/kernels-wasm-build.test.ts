import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildWasm, wasmUrl, watUrl } from '../../engine/kernels/build-wasm.js';

describe('engine/kernels/count.wasm', () => {
  it('is what `npm run build:wasm` builds from count.wat (rebuild and commit both when this fails)', async () => {
    const built = await buildWasm(await readFile(watUrl, 'utf8'));
    const committed = new Uint8Array(await readFile(wasmUrl));
    expect(Buffer.from(committed).equals(Buffer.from(built))).toBe(true);
  });

  it('is a valid module whose exports the counter uses', async () => {
    const module = new WebAssembly.Module(await readFile(wasmUrl));
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['count_f32', 'count_u16', 'count_u8', 'intersect_union', 'memory']);
  });
});
