import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client.js';
import { copyRows, type CopyTable } from '../../db/bulk-copy.js';
import { createFreshStore, testDriver, type FreshStore } from './fresh-store.js';

const table: CopyTable = {
  table: 'copy_probe',
  columns: [
    { name: 'id', type: 'int8' },
    { name: 'label', type: 'text' },
    { name: 'data', type: 'bytea' },
  ],
};

describe(`binary COPY on ${testDriver}`, () => {
  let store: FreshStore;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    store = await createFreshStore();
    handle = await store.open();
    await handle.db.execute(sql`create table copy_probe (id bigint primary key, label text not null, data bytea not null)`);
  });
  afterAll(() => store.cleanup());

  const rows = async () =>
    (await handle.db.execute<{ id: string | number; label: string; hex: string }>(sql`select id, label, encode(data, 'hex') as hex from copy_probe order by id`)) as unknown as
      | { rows: { id: string | number; label: string; hex: string }[] }
      | { id: string | number; label: string; hex: string }[];
  const list = async () => {
    const result = await rows();
    return (Array.isArray(result) ? result : result.rows).map((r) => ({ ...r, id: Number(r.id) }));
  };

  it('stores integers, UTF-8 text and bytes exactly, empty ones included', async () => {
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255);
    const copied = await handle.db.transaction((tx) =>
      copyRows(tx, table, [
        [1, 'ü ✓', Uint8Array.of(0, 255, 92, 10)],
        [2 ** 52, '', new Uint8Array(0)],
        [3, 'big', big],
      ]),
    );
    expect(copied).toBe(true);
    expect(await list()).toEqual([
      { id: 1, label: 'ü ✓', hex: '00ff5c0a' },
      { id: 3, label: 'big', hex: Buffer.from(big).toString('hex') },
      { id: 2 ** 52, label: '', hex: '' },
    ]);
  });

  it('stores NULLs and jsonb, and many small rows with large values among them, in order', async () => {
    await handle.db.execute(sql`create table copy_json (id bigint primary key, note text, doc jsonb, data bytea)`);
    const json: CopyTable = {
      table: 'copy_json',
      columns: [
        { name: 'id', type: 'int8' },
        { name: 'note', type: 'text' },
        { name: 'doc', type: 'jsonb' },
        { name: 'data', type: 'bytea' },
      ],
    };
    // Row sizes on both sides of the size up to which values are copied into shared chunks.
    const sizes = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 40_000 + i : i * 13));
    const rowFor = (i: number) => [i, i % 5 === 0 ? null : `note ${i} ✓`, i % 3 === 0 ? null : JSON.stringify({ i, s: 'é"\\' }), Uint8Array.from({ length: sizes[i] }, (_, k) => (k * 7 + i) & 255)];
    expect(await handle.db.transaction((tx) => copyRows(tx, json, sizes.map((_, i) => rowFor(i))))).toBe(true);
    const result = (await handle.db.execute(sql`select id, note, doc, md5(data) as md5, length(data) as length from copy_json order by id`)) as unknown as { rows?: unknown[] } | unknown[];
    const stored = (Array.isArray(result) ? result : result.rows!) as { id: string | number; note: string | null; doc: unknown; md5: string; length: number }[];
    expect(stored.map((r) => ({ ...r, id: Number(r.id), length: Number(r.length) }))).toEqual(
      sizes.map((size, i) => {
        const [, note, doc, data] = rowFor(i) as [number, string | null, string | null, Uint8Array];
        return { id: i, note, doc: doc === null ? null : JSON.parse(doc), md5: createHash('md5').update(data).digest('hex'), length: size };
      }),
    );
  });

  it('is part of the transaction: a rollback leaves none of the rows, a failing row fails the whole copy', async () => {
    const before = await list();
    await expect(
      handle.db.transaction(async (tx) => {
        await copyRows(tx, table, [[10, 'a', Uint8Array.of(1)]]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // Row 1 exists: the primary key rejects the copy, and row 11 goes with it.
    await expect(handle.db.transaction((tx) => copyRows(tx, table, [[11, 'b', Uint8Array.of(2)], [1, 'dup', Uint8Array.of(3)]]))).rejects.toThrow(/duplicate key/);
    expect(await list()).toEqual(before);
  });

  it('rejects a row of the wrong width before sending anything', async () => {
    await expect(handle.db.transaction((tx) => copyRows(tx, table, [[12, 'short']]))).rejects.toThrow(/has 2 values, expected 3/);
  });
});
