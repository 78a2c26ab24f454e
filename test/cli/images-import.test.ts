import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getImagesByKeys, listImages } from '../../db/repositories/images.js';
import type { ImageRow } from '../../db/schema.js';
import { createFreshStore, type FreshStore } from '../db/fresh-store.js';
import { runCli, runOnStore, storeArgs } from './cli-process.js';

describe('masksearch images import', () => {
  let fresh: FreshStore;
  let dir: string;

  beforeAll(async () => {
    [fresh, dir] = await Promise.all([createFreshStore(), mkdtemp(join(tmpdir(), 'masksearch-import-'))]);
  });

  afterAll(async () => {
    await fresh?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  const jsonLines = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

  /** Opened per check: on PGlite the CLI cannot run while this process holds the store. */
  async function storedImages(): Promise<ImageRow[]> {
    const handle = await fresh.open();
    try {
      return (await listImages(handle.db, { limit: 1000 })).images;
    } finally {
      await handle.close();
    }
  }

  /** One line on stderr, a failing exit code, and none of the file's keys (all new to the store) stored. */
  async function expectRefused(path: string, message: RegExp, keys: string[]): Promise<void> {
    const result = await runOnStore(fresh, ['images', 'import', path]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect((await storedImages()).filter((r) => keys.includes(r.key))).toEqual([]);
  }

  it('imports a JSON array', async () => {
    const path = await file(
      'images.json',
      JSON.stringify(
        [
          { key: 'cat-1', width: 640, height: 480, uri: 's3://bucket/cat-1.jpg', label: 'cat', split: 'train', boxes: { object: [10, 20, 300, 200] }, metadata: { source: 'coco' } },
          { key: 'dog-1', width: 320, height: 240 },
        ],
        null,
        2,
      ),
    );
    const result = await runOnStore(fresh, ['images', 'import', path]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^imported 2 images \(2 new, 0 updated\) in \d+\.\d s\n$/);
    expect(result.code).toBe(0);

    const handle = await fresh.open();
    try {
      const rows = await getImagesByKeys(handle.db, ['cat-1', 'dog-1']);
      expect(rows.find((r) => r.key === 'cat-1')).toMatchObject({
        width: 640,
        height: 480,
        uri: 's3://bucket/cat-1.jpg',
        label: 'cat',
        split: 'train',
        boxes: { object: [10, 20, 300, 200] },
        metadata: { source: 'coco' },
      });
      expect(rows.find((r) => r.key === 'dog-1')).toMatchObject({ width: 320, height: 240, uri: null, label: null, boxes: {} });
    } finally {
      await handle.close();
    }
  });

  it('imports JSON Lines, replacing images by key', async () => {
    const path = await file('images.jsonl', jsonLines({ key: 'dog-1', width: 320, height: 240, label: 'dog' }, '', { key: 'bird-1', width: 100, height: 100 }));
    const result = await runOnStore(fresh, ['images', 'import', path]);
    expect(result.stdout).toMatch(/^imported 2 images \(1 new, 1 updated\)/);
    expect(result.code).toBe(0);
    const rows = await storedImages();
    expect(rows.map((r) => r.key).sort()).toEqual(['bird-1', 'cat-1', 'dog-1']);
    expect(rows.find((r) => r.key === 'dog-1')!.label).toBe('dog');
  });

  it('refuses a file with bad JSON on line 3, importing none of it', async () => {
    const path = await file('bad-json.jsonl', jsonLines({ key: 'new-1', width: 1, height: 1 }, { key: 'new-2', width: 1, height: 1 }, '{"key": "new-3", "width": 1,'));
    await expectRefused(path, /^masksearch: .*bad-json\.jsonl line 3: invalid JSON: .*\(column \d+\)$/, ['new-1', 'new-2', 'new-3']);
  });

  it('refuses a key that appears twice, naming both lines', async () => {
    const path = await file('duplicate.jsonl', jsonLines({ key: 'a', width: 1, height: 1 }, { key: 'b', width: 1, height: 1 }, { key: 'a', width: 2, height: 2 }));
    await expectRefused(path, /duplicate\.jsonl: the key "a" appears more than once, on lines 1 and 3$/, ['a', 'b']);
  });

  it('refuses a record without a width, naming the field and the element', async () => {
    const path = await file('no-width.json', JSON.stringify([{ key: 'w-1', width: 1, height: 1 }, { key: 'w-2', height: 1 }], null, 2));
    await expectRefused(path, /no-width\.json element 2 \(line 7\): width is missing$/, ['w-1', 'w-2']);
  });

  it('says plainly that a file is missing', async () => {
    const result = await runOnStore(fresh, ['images', 'import', join(dir, 'nowhere.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^masksearch: cannot read .*nowhere\.json: no such file\n$/);
  });

  it('says plainly that DATABASE_URL cannot be reached', async () => {
    const path = await file('one.jsonl', jsonLines({ key: 'x', width: 1, height: 1 }));
    const env = { ...storeArgs(fresh).env, DATABASE_URL: 'postgres://someone:secret@127.0.0.1:1/nowhere' };
    const result = await runCli(['images', 'import', path], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('masksearch: cannot open the database postgres://someone:***@127.0.0.1:1/nowhere: connect ECONNREFUSED 127.0.0.1:1\n');
  });
});
