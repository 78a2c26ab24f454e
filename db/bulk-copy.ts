import type { Database } from './client.js';

/**
 * A column of a bulk copy, in PostgreSQL's binary COPY format: `int8` a safe integer, `text` a
 * string (UTF-8), `bytea` bytes as they are.
 */
export type CopyColumnType = 'int8' | 'text' | 'bytea';
export type CopyValue = number | string | Uint8Array;

export interface CopyTable {
  /** Table and column names are the schema's, never user input: they are quoted, not bound. */
  table: string;
  columns: readonly { name: string; type: CopyColumnType }[];
}

// "PGCOPY\n\377\r\n\0", then flags (no OIDs) and the header extension length, both 0.
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const TRAILER = Buffer.from([0xff, 0xff]);

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const copyStatement = (target: CopyTable, from: string) =>
  `COPY ${quoted(target.table)} (${target.columns.map((c) => quoted(c.name)).join(', ')}) FROM ${from} WITH (FORMAT binary)`;

function fieldBytes(type: CopyColumnType, value: CopyValue): Uint8Array {
  if (type === 'int8') {
    const out = Buffer.allocUnsafe(8);
    out.writeBigInt64BE(BigInt(value as number));
    return out;
  }
  if (type === 'text') return Buffer.from(value as string, 'utf8');
  return value as Uint8Array;
}

/**
 * The rows in binary COPY format, as chunks to write in order (the bytea values are not copied).
 * Binary rather than text: bytes go as they are, where every other path sends bytea as hex text,
 * twice its size, encoded and decoded on the way.
 */
export function binaryCopyChunks(target: CopyTable, rows: readonly (readonly CopyValue[])[]): Uint8Array[] {
  const chunks: Uint8Array[] = [HEADER];
  const n = target.columns.length;
  for (const row of rows) {
    if (row.length !== n) throw new Error(`a row for ${target.table} has ${row.length} values, expected ${n}`);
    const head = Buffer.allocUnsafe(2);
    head.writeInt16BE(n);
    chunks.push(head);
    row.forEach((value, i) => {
      const bytes = fieldBytes(target.columns[i].type, value);
      const length = Buffer.allocUnsafe(4);
      length.writeInt32BE(bytes.byteLength);
      chunks.push(length, bytes);
    });
  }
  chunks.push(TRAILER);
  return chunks;
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
  for (const chunk of chunks) stream.write(chunk);
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
