import { describe, expect, it } from 'vitest';
import { encodeNpy, readNpy } from '../../../plugins/kit/npy.js';
import { SourceInputError } from '../../../plugins/kit/index.js';
import { concat, f32Bytes, hex, numpyGolden } from './fixtures.js';

// Golden files: the bytes numpy 2.4.6's numpy.lib.format.write_array wrote for these arrays.
const V1 = '93 4e 55 4d 50 59 01 00 76 00';
const V2 = '93 4e 55 4d 50 59 02 00 74 00 00 00';
const V3 = '93 4e 55 4d 50 59 03 00 74 00 00 00';
const header = (descr: string, shape = '(2, 3)', fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
const F4_DATA = '00000000 0000003f 0000803f 0000803e 0000403f 0000803f';
const VALUES = [0, 0.5, 1, 0.25, 0.75, 1];

const golden = {
  f4v1: numpyGolden(V1, header('<f4'), 58, F4_DATA),
  f4v2: numpyGolden(V2, header('<f4'), 56, F4_DATA),
  f4v3: numpyGolden(V3, header('<f4'), 56, F4_DATA),
  f8: numpyGolden(V1, header('<f8'), 58, '00000000 00000000 00000000 0000e03f 00000000 0000f03f 00000000 0000d03f 00000000 0000e83f 00000000 0000f03f'),
  u1: numpyGolden(V1, header('|u1'), 58, '00 01 02 80 fe ff'),
  u2: numpyGolden(V1, header('<u2'), 58, '0000 0100 0200 0080 feff ffff'),
  f4be: numpyGolden(V1, header('>f4'), 58, '00000000 3f000000 3f800000 3e800000 3f400000 3f800000'),
  f8be: numpyGolden(V1, header('>f8'), 58, '00000000 00000000 3fe00000 00000000 3ff00000 00000000 3fd00000 00000000 3fe80000 00000000 3ff00000 00000000'),
  u2be: numpyGolden(V1, header('>u2'), 58, '0000 0001 0002 8000 fffe ffff'),
  // np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3) / 8)
  f4Fortran: numpyGolden(V1, header('<f4', '(2, 3)', 'True'), 59, '00000000 0000c03e 0000003e 0000003f 0000803e 0000203f'),
  // np.asfortranarray((np.arange(12, dtype='<f4') / 16).reshape(2, 2, 3))
  f4Fortran3d: numpyGolden(
    V1,
    header('<f4', '(2, 2, 3)', 'True'),
    56,
    '00000000 0000c03e 0000403e 0000103f 0000803d 0000e03e 0000803e 0000203f 0000003e 0000003f 0000a03e 0000303f',
  ),
};

function errorOf(bytes: Uint8Array): string {
  try {
    readNpy(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(SourceInputError);
    return (error as Error).message;
  }
  throw new Error('readNpy accepted the bytes');
}

describe('readNpy on bytes numpy wrote', () => {
  it('are what numpy writes: data starting at byte 128, after a newline', () => {
    for (const bytes of Object.values(golden)) {
      const preamble = bytes[6] === 1 ? 10 : 12;
      expect(preamble + bytes[8] + 256 * bytes[9]).toBe(128);
      expect(bytes[127]).toBe(0x0a);
    }
  });

  it.each([
    ['1.0', golden.f4v1],
    ['2.0', golden.f4v2],
    ['3.0', golden.f4v3],
  ])('reads float32 in format version %s', (_, bytes) => {
    const array = readNpy(bytes);
    expect(array.dtype).toBe('float32');
    expect(array.shape).toEqual([2, 3]);
    expect(array.data).toBeInstanceOf(Float32Array);
    expect(Array.from(array.data)).toEqual(VALUES);
  });

  it('reads float64, uint8 and uint16', () => {
    const f8 = readNpy(golden.f8);
    expect(f8.dtype).toBe('float64');
    expect(f8.data).toBeInstanceOf(Float64Array);
    expect(Array.from(f8.data)).toEqual(VALUES);
    const u1 = readNpy(golden.u1);
    expect(u1.dtype).toBe('uint8');
    expect(u1.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(u1.data)).toEqual([0, 1, 2, 128, 254, 255]);
    const u2 = readNpy(golden.u2);
    expect(u2.dtype).toBe('uint16');
    expect(u2.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(u2.data)).toEqual([0, 1, 2, 32768, 65534, 65535]);
  });

  it('byte-swaps big-endian arrays', () => {
    expect(Array.from(readNpy(golden.f4be).data)).toEqual(VALUES);
    expect(Array.from(readNpy(golden.f8be).data)).toEqual(VALUES);
    expect(Array.from(readNpy(golden.u2be).data)).toEqual([0, 1, 2, 32768, 65534, 65535]);
  });

  it('transposes Fortran-order arrays to C order', () => {
    const flat = readNpy(golden.f4Fortran);
    expect(flat.shape).toEqual([2, 3]);
    expect(Array.from(flat.data)).toEqual([0, 1, 2, 3, 4, 5].map((v) => v / 8));
    const cube = readNpy(golden.f4Fortran3d);
    expect(cube.shape).toEqual([2, 2, 3]);
    expect(Array.from(cube.data)).toEqual(Array.from({ length: 12 }, (_, i) => i / 16));
  });

  it('builds the same bytes as numpy in the test helper', () => {
    expect(encodeNpy({ descr: '<f4', shape: [2, 3], data: f32Bytes(VALUES) })).toEqual(golden.f4v1);
    expect(encodeNpy({ descr: '<f4', shape: [2, 3], data: f32Bytes(VALUES), version: 3 })).toEqual(golden.f4v3);
    expect(encodeNpy({ descr: '<f4', shape: [2, 2, 3], fortranOrder: true, data: golden.f4Fortran3d.subarray(128) })).toEqual(golden.f4Fortran3d);
  });
});

describe('readNpy without copying', () => {
  it('views aligned little-endian data in place', () => {
    const array = readNpy(golden.f4v1);
    expect(array.data.buffer).toBe(golden.f4v1.buffer);
    expect(array.data.byteOffset).toBe(128);
  });

  it('copies data that is not aligned for its type', () => {
    const shifted = new Uint8Array(golden.f4v1.length + 1);
    shifted.set(golden.f4v1, 1);
    const array = readNpy(shifted.subarray(1));
    expect(array.data.buffer).not.toBe(shifted.buffer);
    expect(Array.from(array.data)).toEqual(VALUES);
  });
});

describe('readNpy refuses', () => {
  const withHeader = (dict: string) => {
    const bytes = new TextEncoder().encode(dict + '\n');
    const preamble = hex(V1);
    new DataView(preamble.buffer).setUint16(8, bytes.length, true);
    return concat(preamble, bytes);
  };

  it('a file without the magic', () => {
    expect(errorOf(new TextEncoder().encode('PK\x03\x04 not numpy'))).toBe('is not a .npy file (it does not start with "\\x93NUMPY")');
    expect(errorOf(new Uint8Array(0))).toMatch(/^is not a \.npy file/);
  });

  it('an unknown format version', () => {
    const bytes = golden.f4v1.slice();
    bytes[6] = 4;
    expect(errorOf(bytes)).toBe('uses .npy format version 4.0; expected 1.0, 2.0 or 3.0');
  });

  it('a file cut inside the preamble or the header', () => {
    expect(errorOf(golden.f4v2.subarray(0, 10))).toBe('is truncated inside its .npy preamble');
    expect(errorOf(golden.f4v1.subarray(0, 100))).toBe('is truncated inside its header (118 bytes announced, 90 present)');
  });

  it('truncated data', () => {
    expect(errorOf(golden.f4v1.subarray(0, golden.f4v1.length - 3))).toBe(
      'is truncated: shape (2, 3) of float32 needs 24 bytes of data after the header, but only 21 are there',
    );
  });

  it('bytes after the data', () => {
    expect(errorOf(concat(golden.u1, golden.u1))).toMatch(/^has 134 bytes after the data of its shape \(2, 3\) uint8 array; expected one array per file/);
  });

  it('unsupported dtypes', () => {
    expect(errorOf(encodeNpy({ descr: '<i4', shape: [2], data: new Uint8Array(8) }))).toBe(
      "has dtype '<i4', which is not supported; expected float32 ('<f4'), float64 ('<f8'), uint8 ('|u1') or uint16 ('<u2')",
    );
    expect(errorOf(encodeNpy({ descr: '|O', shape: [2], data: new Uint8Array(16) }))).toMatch(/^has dtype '\|O' \(Python objects\), which is not supported/);
    expect(errorOf(withHeader("{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (2,), }"))).toMatch(
      /^holds a structured array \(record dtype\)/,
    );
    expect(errorOf(encodeNpy({ descr: '|f4', shape: [2], data: new Uint8Array(8) }))).toBe(
      "has dtype '|f4', which does not say its byte order; expected '<' or '>' in front",
    );
  });

  it('headers that are not the dict numpy writes', () => {
    expect(errorOf(withHeader("{'descr': '<f4', 'shape': (2,), }"))).toBe("has no 'fortran_order' in its header: {'descr': '<f4', 'shape': (2,), }");
    expect(errorOf(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"))).toBe(
      "has an unexpected key 'extra' in its header; expected 'descr', 'fortran_order' and 'shape'",
    );
    expect(errorOf(withHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}"))).toBe("has a header whose 'fortran_order' is not True or False");
    expect(errorOf(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}"))).toMatch(/^has a header whose 'shape' is not a tuple of non-negative integers/);
    expect(errorOf(withHeader("['descr', '<f4']"))).toMatch(/^has a header that is not a Python dict/);
  });

  it('anything but literals, without evaluating it', () => {
    expect(errorOf(withHeader("{'descr': __import__('os').system('echo hi'), 'fortran_order': False, 'shape': (2,)}"))).toBe(
      "has an unreadable header (expected a Python literal at character 10): {'descr': __import__('os').system('echo hi'), 'fortran_order': False, 'shape': (2,)}",
    );
    expect(errorOf(withHeader("{'descr': '<f4' 'fortran_order': False}"))).toMatch(/^has an unreadable header \(expected ',' or '}' at character 16\)/);
    expect(errorOf(withHeader('('.repeat(1000)))).toMatch(/^has an unreadable header \(expected nesting at most 32 deep/);
  });
});
