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
