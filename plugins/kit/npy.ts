import { SourceInputError } from './source.js';

/**
 * Reads NumPy's .npy format (versions 1.0, 2.0 and 3.0) as written by `numpy.save`, for the
 * element types mask sources need. The header is a Python dict literal; it is parsed by a small
 * literal-only parser, never evaluated.
 */

export type NpyDtype = 'uint8' | 'uint16' | 'float32' | 'float64';

export type NpyData = Uint8Array | Uint16Array | Float32Array | Float64Array;

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  /**
   * The elements in C (row-major) order and the platform's byte order. A view into the file's
   * bytes when they already are that (and aligned); a copy otherwise.
   */
  readonly data: NpyData;
}

type NpyDataConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): NpyData; new (length: number): NpyData };

interface ElementType {
  readonly dtype: NpyDtype;
  readonly itemSize: number;
  readonly array: NpyDataConstructor;
}

/** By the descr's kind and size, e.g. 'f4'. */
const ELEMENT_TYPES: Readonly<Record<string, ElementType>> = {
  u1: { dtype: 'uint8', itemSize: 1, array: Uint8Array },
  u2: { dtype: 'uint16', itemSize: 2, array: Uint16Array },
  f4: { dtype: 'float32', itemSize: 4, array: Float32Array },
  f8: { dtype: 'float64', itemSize: 8, array: Float64Array },
};

const SUPPORTED = "float32 ('<f4'), float64 ('<f8'), uint8 ('|u1') or uint16 ('<u2')";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function readNpy(bytes: Uint8Array): NpyArray {
  const { header, dataOffset } = splitHeader(bytes);
  const { descr, fortranOrder, shape } = headerFields(header);
  const { element, littleEndian } = elementType(descr);
  const count = elementCount(shape);
  const byteLength = count * element.itemSize;
  const available = bytes.length - dataOffset;
  if (available < byteLength) {
    throw new SourceInputError(
      `is truncated: shape ${formatNpyShape(shape)} of ${element.dtype} needs ${byteLength} bytes of data after the header, but only ${available} are there`,
    );
  }
  if (available > byteLength) {
    throw new SourceInputError(
      `has ${available - byteLength} bytes after the data of its shape ${formatNpyShape(shape)} ${element.dtype} array; ` +
        'expected one array per file (several numpy.save calls into one file are not supported: stack the arrays into one)',
    );
  }
  return { dtype: element.dtype, shape, data: elements(bytes, dataOffset, count, element, littleEndian, fortranOrder, shape) };
}

function splitHeader(bytes: Uint8Array): { header: string; dataOffset: number } {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new SourceInputError('is not a .npy file (it does not start with "\\x93NUMPY")');
  }
  if (bytes.length < 8) throw new SourceInputError('is truncated inside its .npy preamble');
  const major = bytes[6];
  const minor = bytes[7];
  if (minor !== 0 || major < 1 || major > 3) {
    throw new SourceInputError(`uses .npy format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`);
  }
  // Version 1.0 has a 2-byte header length; 2.0 and 3.0 (3.0 only changes latin-1 to UTF-8) a 4-byte one.
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) throw new SourceInputError('is truncated inside its .npy preamble');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthSize;
  const dataOffset = headerStart + headerLength;
  if (dataOffset > bytes.length) {
    throw new SourceInputError(`is truncated inside its header (${headerLength} bytes announced, ${bytes.length - headerStart} present)`);
  }
  const headerBytes = bytes.subarray(headerStart, dataOffset);
  return { header: major === 3 ? decodeUtf8Header(headerBytes) : Buffer.from(headerBytes).toString('latin1'), dataOffset };
}

function decodeUtf8Header(headerBytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SourceInputError('has a version 3.0 header that is not valid UTF-8');
  }
}

function headerFields(header: string): { descr: PyValue; fortranOrder: boolean; shape: number[] } {
  const dict = parsePythonLiteral(header);
  if (!(dict instanceof Map)) throw new SourceInputError(`has a header that is not a Python dict: ${quoteHeader(header)}`);
  for (const key of dict.keys()) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') {
      throw new SourceInputError(`has an unexpected key '${key}' in its header; expected 'descr', 'fortran_order' and 'shape'`);
    }
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) throw new SourceInputError(`has no '${key}' in its header: ${quoteHeader(header)}`);
  }
  const fortranOrder = dict.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw new SourceInputError(`has a header whose 'fortran_order' is not True or False`);
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new SourceInputError(`has a header whose 'shape' is not a tuple of non-negative integers: ${quoteHeader(header)}`);
  }
  return { descr: dict.get('descr') as PyValue, fortranOrder, shape };
}

function elementType(descr: PyValue): { element: ElementType; littleEndian: boolean } {
  if (Array.isArray(descr)) {
    throw new SourceInputError(`holds a structured array (record dtype); expected plain numbers: ${SUPPORTED}`);
  }
  if (typeof descr !== 'string') throw new SourceInputError(`has a header whose 'descr' is not a dtype string`);
  const match = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const element = match ? ELEMENT_TYPES[match[2]] : undefined;
  if (!match || !element) {
    const what = /O\d*$/.test(descr) ? ' (Python objects)' : '';
    throw new SourceInputError(`has dtype '${descr}'${what}, which is not supported; expected ${SUPPORTED}`);
  }
  const order = match[1];
  // numpy writes '<' or '>' for multi-byte types and '|' for single bytes, whose order does not matter.
  if (element.itemSize > 1 && order !== '<' && order !== '>') {
    throw new SourceInputError(`has dtype '${descr}', which does not say its byte order; expected '<' or '>' in front`);
  }
  return { element, littleEndian: order !== '>' };
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) count *= d;
  if (!Number.isSafeInteger(count)) throw new SourceInputError(`has an impossibly large shape ${formatNpyShape(shape)}`);
  return count;
}

function elements(
  bytes: Uint8Array,
  dataOffset: number,
  count: number,
  element: ElementType,
  littleEndian: boolean,
  fortranOrder: boolean,
  shape: readonly number[],
): NpyData {
  const start = bytes.byteOffset + dataOffset;
  const swap = element.itemSize > 1 && littleEndian !== PLATFORM_IS_LITTLE_ENDIAN;
  const reorder = fortranOrder && shape.length > 1;
  if (!swap && !reorder && start % element.itemSize === 0) return new element.array(bytes.buffer, start, count);
  // Unaligned (a typed array view needs its offset to be a multiple of the item size), swapped or reordered: copy.
  // Into a buffer of its own: Buffer#slice is a view into (often) Node's shared pool, so its
  // .buffer would start somewhere else entirely, and swapping in place would change the caller's bytes.
  const copy = new Uint8Array(count * element.itemSize);
  copy.set(bytes.subarray(dataOffset, dataOffset + copy.length));
  if (swap) swapBytes(copy, element.itemSize);
  const data = new element.array(copy.buffer, 0, count);
  return reorder ? fortranToC(data, shape, element.array) : data;
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let lo = i, hi = i + itemSize - 1; lo < hi; lo++, hi--) {
      const b = bytes[lo];
      bytes[lo] = bytes[hi];
      bytes[hi] = b;
    }
  }
}

/** Walks the C-order positions with an odometer over the axes, tracking the Fortran-order offset of each. */
function fortranToC(source: NpyData, shape: readonly number[], array: NpyDataConstructor): NpyData {
  const out = new array(source.length);
  const ndim = shape.length;
  const strides = new Array<number>(ndim);
  strides[0] = 1;
  for (let a = 1; a < ndim; a++) strides[a] = strides[a - 1] * shape[a - 1];
  const index = new Array<number>(ndim).fill(0);
  let offset = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = source[offset];
    for (let a = ndim - 1; a >= 0; a--) {
      offset += strides[a];
      if (++index[a] < shape[a]) break;
      offset -= strides[a] * shape[a];
      index[a] = 0;
    }
  }
  return out;
}

export function formatNpyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function quoteHeader(header: string): string {
  const trimmed = header.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}

// Python literals, as numpy writes them with repr(): dicts, tuples, lists, strings, integers, True, False, None.

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** Deeper nesting than any dtype needs; the bound keeps a hostile header from exhausting the stack. */
const MAX_DEPTH = 32;

function parsePythonLiteral(text: string): PyValue {
  let pos = 0;

  const fail = (expected: string): never => {
    throw new SourceInputError(`has an unreadable header (expected ${expected} at character ${pos}): ${quoteHeader(text)}`);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const accept = (token: string): boolean => {
    skipSpace();
    if (!text.startsWith(token, pos)) return false;
    pos += token.length;
    return true;
  };

  /** Items up to `close`, separated by commas, with an optional trailing comma. */
  const sequence = (close: string, item: () => void) => {
    while (!accept(close)) {
      item();
      if (!accept(',')) {
        if (accept(close)) return;
        fail(`',' or '${close}'`);
      }
    }
  };

  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail(`nesting at most ${MAX_DEPTH} deep`);
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const dict = new Map<string, PyValue>();
      sequence('}', () => {
        const key = value(depth + 1);
        if (typeof key !== 'string') fail('a string key');
        if (!accept(':')) fail("':'");
        dict.set(key as string, value(depth + 1));
      });
      return dict;
    }
    if (c === '(' || c === '[') {
      pos++;
      const items: PyValue[] = [];
      sequence(c === '(' ? ')' : ']', () => items.push(value(depth + 1)));
      return items;
    }
    if (c === "'" || c === '"') return string(c);
    const word = /^(?:-?\d+|True|False|None)/.exec(text.slice(pos, pos + 32));
    if (!word) return fail('a Python literal');
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0]);
  };

  const string = (quote: string): string => {
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      // Escapes only occur in structured dtypes' field names, which are refused anyway; keep the escaped character.
      if (text[pos] === '\\') pos++;
      out += text[pos++];
    }
    if (pos >= text.length) fail(`a closing ${quote}`);
    pos++;
    return out;
  };

  const result = value(0);
  skipSpace();
  if (pos !== text.length) fail('the end of the header');
  return result;
}

/**
 * An array as numpy.lib.format.write_array writes it (numpy ≥ 1.23): the dict repr, 21 − digits(growth axis)
 * spaces of room to grow, then spaces and a newline up to a multiple of 64 bytes.
 */
export function encodeNpy(spec: { descr: string; shape: readonly number[]; data: Uint8Array; fortranOrder?: boolean; version?: 1 | 2 | 3 }): Uint8Array {
  const { descr, shape, data, fortranOrder = false, version = 1 } = spec;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  if (shape.length > 0) dict += ' '.repeat(21 - String(shape[fortranOrder ? shape.length - 1 : 0]).length);
  const lengthSize = version === 1 ? 2 : 4;
  const headerBytes = new TextEncoder().encode(dict);
  const padding = 64 - ((8 + lengthSize + headerBytes.length + 1) % 64);
  const headerLength = headerBytes.length + padding + 1;
  const preamble = new Uint8Array(8 + lengthSize);
  preamble.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) new DataView(preamble.buffer).setUint16(8, headerLength, true);
  else new DataView(preamble.buffer).setUint32(8, headerLength, true);
  const tail = new TextEncoder().encode(' '.repeat(padding) + '\n');
  const out = new Uint8Array(preamble.length + headerBytes.length + tail.length + data.length);
  out.set(preamble);
  out.set(headerBytes, preamble.length);
  out.set(tail, preamble.length + headerBytes.length);
  out.set(data, preamble.length + headerBytes.length + tail.length);
  return out;
}
