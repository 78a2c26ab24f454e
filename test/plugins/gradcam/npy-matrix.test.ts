import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, readNpy, type NpyDtype } from '../../../plugins/kit/npy.js';

/**
 * Every dtype × byte order × memory order, read from a plain Uint8Array, from a Buffer that
 * readFile returned, and from a Buffer slice into Node's shared pool at an odd offset (a view,
 * where the Buffer#slice bug read the wrong bytes): every element must equal what was written.
 */
const DTYPES: { dtype: NpyDtype; code: string; size: number; write: (view: DataView, at: number, v: number, le: boolean) => void; value: (i: number) => number }[] = [
  { dtype: 'uint8', code: 'u1', size: 1, write: (d, at, v) => d.setUint8(at, v), value: (i) => (i * 37) % 256 },
  { dtype: 'uint16', code: 'u2', size: 2, write: (d, at, v, le) => d.setUint16(at, v, le), value: (i) => (i * 4099) % 65536 },
  { dtype: 'float32', code: 'f4', size: 4, write: (d, at, v, le) => d.setFloat32(at, v, le), value: (i) => Math.fround(((i * 7919) % 1000) / 999) },
  { dtype: 'float64', code: 'f8', size: 8, write: (d, at, v, le) => d.setFloat64(at, v, le), value: (i) => ((i * 7919) % 1000) / 999 },
];
const SHAPES = [[5, 7], [3, 4, 6], [6, 5, 1]];

/** The element at C-order position i of an array of this shape, in Fortran order: its offset. */
function fortranOffset(i: number, shape: readonly number[]): number {
  let rest = i;
  const index = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    index[a] = rest % shape[a];
    rest = Math.floor(rest / shape[a]);
  }
  let offset = 0;
  let stride = 1;
  for (let a = 0; a < shape.length; a++) {
    offset += index[a] * stride;
    stride *= shape[a];
  }
  return offset;
}

function arrayFile(t: (typeof DTYPES)[number], shape: readonly number[], littleEndian: boolean, fortran: boolean): { bytes: Uint8Array; expected: number[] } {
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = Array.from({ length: count }, (_, i) => t.value(i));
  const data = new Uint8Array(count * t.size);
  const view = new DataView(data.buffer);
  expected.forEach((v, i) => t.write(view, (fortran ? fortranOffset(i, shape) : i) * t.size, v, littleEndian));
  const order = t.size === 1 ? '|' : littleEndian ? '<' : '>';
  return { bytes: encodeNpy({ descr: `${order}${t.code}`, shape, data, fortranOrder: fortran }), expected };
}

const cases = DTYPES.flatMap((t) => SHAPES.flatMap((shape) => [true, false].flatMap((le) => (t.size === 1 && !le ? [] : [false, true].map((fortran) => ({ t, shape, le, fortran }))))));

describe('readNpy is exact for every dtype, byte order and memory order, on every kind of byte container', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'masksearch-npy-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(cases.map((c) => [`${c.t.code} ${c.le ? 'LE' : 'BE'} ${c.fortran ? 'F' : 'C'} (${c.shape.join('×')})`, c] as const))('%s', async (name, { t, shape, le, fortran }) => {
    const { bytes, expected } = arrayFile(t, shape, le, fortran);
    const path = join(dir, `${name.replace(/\W+/g, '_')}.npy`);
    await writeFile(path, bytes);
    const fromDisk = await readFile(path);
    // A small Buffer comes from the shared pool; one byte in, its data is misaligned as well.
    const pooled = Buffer.from(Uint8Array.of(0, ...bytes)).subarray(1);
    const before = Buffer.from(pooled);
    for (const [container, input] of [['Uint8Array', new Uint8Array(bytes)], ['readFile Buffer', fromDisk], ['pooled Buffer', pooled]] as const) {
      const array = readNpy(input);
      expect(array.dtype, container).toBe(t.dtype);
      expect(array.shape, container).toEqual(shape);
      expect(Array.from(array.data), container).toEqual(expected);
    }
    expect(Buffer.compare(pooled, before), 'the input is left as it was').toBe(0);
  });
});
