import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { Database } from './client.js';

/**
 * A column of a bulk copy, in PostgreSQL's binary COPY format: `int8` a safe integer, `int4` a
 * 32-bit one, `text` a string (UTF-8), `jsonb` JSON text, `bytea` bytes as they are — one array,
 * or several whose concatenation is the value (large ones sent as they are, never joined). Any
 * column takes null for NULL.
 */
export type CopyColumnType = 'int8' | 'int4' | 'text' | 'jsonb' | 'bytea';
export type CopyValue = number | string | Uint8Array | readonly Uint8Array[] | null;

export interface CopyTable {
  /** Table and column names are the schema's, never user input: they are quoted, not bound. */
  table: string;
  columns: readonly { name: string; type: CopyColumnType }[];
}

// "PGCOPY\n\377\r\n\0", then flags (no OIDs) and the header extension length, both 0.
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TRAILER = Buffer.from([0xff, 0xff]);
/** jsonb's binary form: a version byte, then the JSON text. */
const JSONB_VERSION = 1;

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const copyStatement = (target: CopyTable, from: string) =>
  `COPY ${quoted(target.table)} (${target.columns.map((c) => quoted(c.name)).join(', ')}) FROM ${from} WITH (FORMAT binary)`;

/**
 * Bytes up to this size are copied into the chunk being written; larger ones (a mask's pixels, a
 * snapshot frame) become chunks of their own, uncopied. Each chunk costs the driver a message and
 * a stream write (several µs), so a row's small fields, and small rows, go together.
 */
const INLINE_BYTES = 16 << 10;
const BLOCK_BYTES = 256 << 10;

/** Chunks of a binary COPY: small fields written into blocks, large values passed through. */
class CopyChunks {
  readonly chunks: Uint8Array[] = [];
  private block = Buffer.alloc(0);
  private at = 0;

  /** Room for n more bytes in the current block. */
  private room(n: number): Buffer {
    if (this.at + n > this.block.length) {
      this.flush();
      this.block = Buffer.allocUnsafe(Math.max(n, BLOCK_BYTES));
    }
    return this.block;
  }

  /** Ends the current chunk; the rest of the block starts the next. */
  private flush(): void {
    if (this.at === 0) return;
    this.chunks.push(this.block.subarray(0, this.at));
    this.block = this.block.subarray(this.at);
    this.at = 0;
  }

  int16(v: number): void {
    this.at = this.room(2).writeInt16BE(v, this.at);
  }

  int32(v: number): void {
    this.at = this.room(4).writeInt32BE(v, this.at);
  }

  /** A safe integer as two 32-bit halves: cheaper than through a BigInt. */
  int64(v: number): void {
    const high = Math.floor(v / 2 ** 32);
    const block = this.room(8);
    block.writeInt32BE(high, this.at);
    this.at = block.writeUInt32BE(v - high * 2 ** 32, this.at + 4);
  }

  /** A field's length, then its text as UTF-8, after `prefix` bytes of the field's own. */
  text(value: string, prefix: readonly number[] = []): void {
    const length = Buffer.byteLength(value, 'utf8') + prefix.length;
    const block = this.room(4 + length);
    this.at = block.writeInt32BE(length, this.at);
    for (const b of prefix) block[this.at++] = b;
    this.at += block.write(value, this.at, 'utf8');
  }

  /** A field's length, then its bytes. */
  bytes(pieces: readonly Uint8Array[]): void {
    this.int32(pieces.reduce((n, p) => n + p.byteLength, 0));
    for (const piece of pieces) this.raw(piece);
  }

  raw(piece: Uint8Array): void {
    if (piece.byteLength > INLINE_BYTES) {
      this.flush();
      this.chunks.push(piece);
    } else {
      this.room(piece.byteLength).set(piece, this.at);
      this.at += piece.byteLength;
    }
  }

  end(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }
}

/**
 * The rows in binary COPY format, as chunks to write in order (large bytea values are not
 * copied). Binary rather than text: bytes go as they are, where every other path sends bytea as
 * hex text, twice its size, encoded and decoded on the way.
 */
export function binaryCopyChunks(target: CopyTable, rows: readonly (readonly CopyValue[])[]): Uint8Array[] {
  const n = target.columns.length;
  for (const row of rows) if (row.length !== n) throw new Error(`a row for ${target.table} has ${row.length} values, expected ${n}`);
  const copy = new CopyChunks();
  copy.raw(HEADER);
  for (const row of rows) {
    copy.int16(n);
    row.forEach((value, i) => {
      if (value === null) return copy.int32(-1);
      const type = target.columns[i].type;
      if (type === 'int8') {
        copy.int32(8);
        copy.int64(value as number);
      } else if (type === 'int4') {
        copy.int32(4);
        copy.int32(value as number);
      } else if (type === 'text') copy.text(value as string);
      else if (type === 'jsonb') copy.text(value as string, [JSONB_VERSION]);
      else copy.bytes(value instanceof Uint8Array ? [value] : (value as readonly Uint8Array[]));
    });
  }
  copy.raw(TRAILER);
  return copy.end();
}

/** What the drivers' clients look like where drizzle keeps them (db.session.client). */
interface PostgresJsQuery extends Promise<unknown> {
  writable(): Promise<NodeJS.WritableStream>;
  reject?: (error: unknown) => void;
}
interface PostgresJsTransaction {
  unsafe(query: string): PostgresJsQuery;
  savepoint: unknown;
}
interface PgliteClient {
  query(query: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
}

function driverClient(db: Database): unknown {
  return (db as unknown as { session?: { client?: unknown } }).session?.client;
}

// A postgres.js transaction's client has `savepoint`, the pool's does not: copies run inside the
// transaction that writes the rows they belong with (insertMasks), never on their own.
const isPostgresJsTransaction = (client: unknown): client is PostgresJsTransaction =>
  typeof (client as { unsafe?: unknown }).unsafe === 'function' && typeof (client as { savepoint?: unknown }).savepoint === 'function';
interface PostgresJsCopyOut extends Promise<unknown> {
  readable(): Promise<Readable>;
  cancel(): void;
}
const isPostgresJs = (client: unknown): client is { unsafe(query: string): PostgresJsCopyOut } =>
  typeof (client as { unsafe?: unknown } | undefined)?.unsafe === 'function' && !isPglite(client);
const isPglite = (client: unknown): client is PgliteClient =>
  typeof (client as { query?: unknown }).query === 'function' && typeof (client as { exec?: unknown }).exec === 'function';

/**
 * postgres.js 3.4 loses an error the server reports after the last chunk (a unique violation in
 * the final rows, say): the stream has been ended, so neither 'error' nor 'finish' ever fires,
 * and the query's promise was already resolved with the stream. The connection still hands the
 * error to the query's `reject`, so that is watched too. Returns false, having sent nothing,
 * if the query has no `reject` to watch (another driver version): the caller inserts instead.
 */
async function copyThroughPostgresJs(tx: PostgresJsTransaction, statement: string, chunks: readonly Uint8Array[]): Promise<boolean> {
  const query = tx.unsafe(statement);
  const reject = query.reject;
  if (typeof reject !== 'function') return false;
  let fail: (error: unknown) => void = () => {};
  let succeed: () => void = () => {};
  const done = new Promise<void>((resolve, rejectDone) => {
    succeed = resolve;
    fail = rejectDone;
  });
  query.reject = (error) => {
    fail(error);
    reject.call(query, error);
  };
  const stream = await query.writable();
  stream.on('error', fail);
  stream.on('finish', succeed);
  // The driver copies what it is given into its own buffers: waiting for them to drain keeps a
  // large copy (a table snapshot) from being held twice in memory.
  for (const chunk of chunks) if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), done]);
  stream.end();
  await done;
  return true;
}

/**
 * Appends rows to a table with one COPY: postgres.js streams them (COPY FROM STDIN), PGlite reads
 * them from a blob (COPY FROM '/dev/blob'). Returns false, having done nothing, when `db` is not a
 * transaction of postgres.js nor a PGlite handle; the caller then inserts the rows itself. Either
 * way all rows are stored or, on an error, none.
 */
export async function copyRows(db: Database, target: CopyTable, rows: readonly (readonly CopyValue[])[]): Promise<boolean> {
  const client = driverClient(db);
  if (!isPostgresJsTransaction(client) && !isPglite(client)) return false;
  if (rows.length === 0) return true;
  const chunks = binaryCopyChunks(target, rows);
  if (isPostgresJsTransaction(client)) return copyThroughPostgresJs(client, copyStatement(target, 'STDIN'), chunks);
  if (isPglite(client)) {
    await client.query(copyStatement(target, `'/dev/blob'`), [], { blob: new Blob(chunks as BlobPart[]) });
    return true;
  }
  return false;
}

/**
 * Streams the output of `COPY (query) TO STDOUT (FORMAT binary)` through postgres.js, or returns
 * undefined when `db` is not a postgres.js handle (PGlite: the caller selects instead). Each call
 * takes a connection of the pool of its own, so several run in parallel.
 */
export function copyOut(db: Database, query: string): AsyncIterable<Uint8Array> | undefined {
  const client = driverClient(db);
  if (!isPostgresJs(client)) return undefined;
  return {
    async *[Symbol.asyncIterator]() {
      const copy = client.unsafe(`COPY (${query}) TO STDOUT WITH (FORMAT binary)`);
      const pieces = new StreamQueue(await copy.readable());
      let finished = false;
      try {
        for (let piece = await pieces.next(); piece; piece = await pieces.next()) yield piece;
        finished = true;
      } finally {
        if (!finished) {
          // A reader that stops early: the server stops sending, and what it sent meanwhile is
          // read and dropped, or the connection would stay paused, lost to the pool.
          copy.cancel();
          pieces.drop();
          await copy.catch(() => {});
        }
      }
    },
  };
}

/**
 * A readable's chunks one at a time, a few read ahead. (Async iteration of postgres.js's COPY
 * stream cannot stop early: leaving the loop destroys the stream, which leaves the connection's
 * socket paused for good.)
 */
class StreamQueue {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    stream.on('data', (piece: Uint8Array) => {
      this.queue.push(piece);
      if (this.queue.length >= 4) stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      // postgres.js pauses its socket when a chunk overfills the stream's buffer, and resumes it
      // when the stream is read again. Chunks that arrive before the first read, with the end
      // among them, leave the socket paused for good (the connection then never sees the end of
      // the statement), so it is resumed here, through the stream's own read hook.
      stream._read(0);
      this.ended = true;
      this.notify();
    });
    stream.on('error', (error) => {
      this.error = error;
      this.notify();
    });
  }

  /** The next chunk, or undefined at the end. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      const piece = this.queue.shift();
      if (piece) {
        if (this.queue.length < 2) this.stream.resume();
        return piece;
      }
      if (this.error) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Reads the rest and throws it away. */
  drop(): void {
    this.stream.removeAllListeners('data');
    this.stream.on('data', () => {});
    this.queue.length = 0;
    this.stream.resume();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export class CopyFormatError extends Error {
  override name = 'CopyFormatError';
}

/**
 * The rows of binary COPY output, each as its fields' bytes (null for NULL), from pieces split
 * anywhere. A field that lies within one piece is a view of it, not a copy.
 */
export async function* binaryCopyRows(pieces: AsyncIterable<Uint8Array>): AsyncGenerator<(Uint8Array | null)[]> {
  const buffered: Uint8Array[] = [];
  let bufferedBytes = 0;
  const iterator = pieces[Symbol.asyncIterator]();
  /** Waits until n bytes are buffered; false at the end of the input. */
  const fill = async (n: number): Promise<boolean> => {
    while (bufferedBytes < n) {
      const next = await iterator.next();
      if (next.done) return false;
      if (next.value.length > 0) {
        buffered.push(next.value);
        bufferedBytes += next.value.length;
      }
    }
    return true;
  };
  const take = (n: number): Uint8Array => {
    const head = buffered[0];
    let out: Uint8Array;
    if (head.length >= n) {
      out = head.subarray(0, n);
      if (head.length === n) buffered.shift();
      else buffered[0] = head.subarray(n);
    } else {
      out = new Uint8Array(n);
      for (let at = 0; at < n; ) {
        const piece = buffered[0];
        const k = Math.min(piece.length, n - at);
        out.set(piece.subarray(0, k), at);
        at += k;
        if (k === piece.length) buffered.shift();
        else buffered[0] = piece.subarray(k);
      }
    }
    bufferedBytes -= n;
    return out;
  };
  const need = async (n: number, what: string) => {
    if (!(await fill(n))) throw new CopyFormatError(`binary COPY output ended inside ${what}`);
    return take(n);
  };
  const header = await need(HEADER.length, 'its header');
  if (!Buffer.from(header.subarray(0, 11)).equals(HEADER.subarray(0, 11))) throw new CopyFormatError('binary COPY output does not start with PGCOPY');
  const extension = new DataView(header.buffer, header.byteOffset + 15, 4).getUint32(0);
  await need(extension, 'its header extension');
  for (;;) {
    const count = await need(2, 'a row');
    const fields = new DataView(count.buffer, count.byteOffset, 2).getInt16(0);
    if (fields === -1) break;
    const row: (Uint8Array | null)[] = [];
    for (let i = 0; i < fields; i++) {
      const length = await need(4, 'a field length');
      const n = new DataView(length.buffer, length.byteOffset, 4).getInt32(0);
      row.push(n === -1 ? null : await need(n, 'a field'));
    }
    yield row;
  }
  // Read to the end: the driver's COPY stream ends (and frees its connection) once it is read out.
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    if (next.value.length > 0) throw new CopyFormatError('binary COPY output goes on after its trailer');
  }
}
