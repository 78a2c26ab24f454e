import { readFile } from 'node:fs/promises';
import { count, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/client.js';
import { upsertImages } from '../../db/repositories/images.js';
import { images } from '../../db/schema.js';
import { createFreshStore, testDriver, type FreshStore } from './fresh-store.js';

const journal = JSON.parse(await readFile(new URL('../../migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: unknown[];
};

async function appliedMigrations(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(sql`drizzle.__drizzle_migrations`);
  return row.n;
}

async function tableNames(db: Database): Promise<string[]> {
  const rows = await db
    .select({ name: sql<string>`table_name` })
    .from(sql`information_schema.tables`)
    .where(sql`table_schema = 'public'`);
  return rows.map((r) => r.name).sort();
}

describe(`store on ${testDriver}`, () => {
  let store: FreshStore;
  beforeAll(async () => {
    store = await createFreshStore();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it('applies every migration to a fresh store', async () => {
    const handle = await store.open();
    expect(handle.kind).toBe(testDriver);
    expect(await tableNames(handle.db)).toEqual(['api_tokens', 'images', 'mask_changes', 'mask_chi', 'mask_pixels', 'masks', 'models', 'table_snapshot_chunks', 'table_snapshots']);
    expect(await appliedMigrations(handle.db)).toBe(journal.entries.length);
    await upsertImages(handle.db, [{ key: 'kept-across-reopen' }]);
    await handle.close();
  });

  it('re-opens without re-applying migrations and keeps the data', async () => {
    const handle = await store.open();
    expect(await appliedMigrations(handle.db)).toBe(journal.entries.length);
    const [row] = await handle.db.select({ n: count() }).from(images);
    expect(row.n).toBe(1);
    await handle.close();
  });

  it.runIf(testDriver === 'postgres')('lets several processes open a fresh database at once', async () => {
    const other = await createFreshStore();
    try {
      const handles = await Promise.all([0, 1, 2].map(() => openDatabase(other.options)));
      for (const handle of handles) {
        expect(await appliedMigrations(handle.db)).toBe(journal.entries.length);
        await handle.close();
      }
    } finally {
      await other.cleanup();
    }
  });
});
