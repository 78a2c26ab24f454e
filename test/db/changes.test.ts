import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client.js';
import { getLatestChangeSeq, readChanges } from '../../db/repositories/changes.js';
import { deleteImages, upsertImages } from '../../db/repositories/images.js';
import { deleteMasks, insertMasks } from '../../db/repositories/masks.js';
import { CHANGES_CHANNEL, images, type ChangeRow } from '../../db/schema.js';
import { testDriver, useOpenedStore } from './fresh-store.js';

const tiny = { width: 1, height: 1, encoding: 'u8' as const, data: new Uint8Array(1) };

/** What a change names, and how: ['mask' | 'image', op, id]. */
const subject = (c: ChangeRow) => (c.imageId !== null ? ['image', c.op, c.imageId] : ['mask', c.op, c.maskId]);

/** Subscribes and collects notifications, so a test can wait for a given payload. */
async function subscribe(handle: DatabaseHandle, channel: string) {
  const received: string[] = [];
  let onReceive = () => {};
  let established = 0;
  const unlisten = await handle.listen(
    channel,
    (payload) => {
      received.push(payload);
      onReceive();
    },
    () => established++,
  );
  const waitFor = (payload: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no notification '${payload}' (got ${received.join(', ')})`)), 10_000);
      onReceive = () => {
        if (received.includes(payload)) {
          clearTimeout(timer);
          resolve();
        }
      };
      onReceive();
    });
  return { unlisten, waitFor, established: () => established };
}

describe(`change log on ${testDriver}`, () => {
  const opened = useOpenedStore();

  it('records inserts and deletes in order, readable after any seq', async () => {
    expect(await getLatestChangeSeq(opened.handle.db)).toBe(0);
    const [imageId] = await upsertImages(opened.handle.db, [{ key: 'log-1' }]);
    const inserted = await insertMasks(opened.handle.db, ['a', 'b', 'c'].map((maskType) => ({ imageId, maskType, source: 's', mask: tiny })));
    const ids = inserted.map((r) => r.id);
    await deleteMasks(opened.handle.db, [ids[1]]);

    const changes = await readChanges(opened.handle.db, 0);
    expect(changes.map(subject)).toEqual([
      ['image', 'insert', imageId],
      ['mask', 'insert', ids[0]],
      ['mask', 'insert', ids[1]],
      ['mask', 'insert', ids[2]],
      ['mask', 'delete', ids[1]],
    ]);
    expect(changes.map((c) => c.seq)).toEqual([...changes.map((c) => c.seq)].sort((a, b) => a - b));
    expect(changes[0].at).toBeInstanceOf(Date);
    expect(await getLatestChangeSeq(opened.handle.db)).toBe(changes[4].seq);
    expect((await readChanges(opened.handle.db, changes[2].seq)).map((c) => c.seq)).toEqual([changes[3].seq, changes[4].seq]);
    expect(await readChanges(opened.handle.db, 0, 2)).toHaveLength(2);
  });

  it('records images inserted or changed by an upsert, and nothing for unchanged ones', async () => {
    const [a, b] = await upsertImages(opened.handle.db, [
      { key: 'img-a', width: 8, height: 8, label: 'cat' },
      { key: 'img-b', width: 8, height: 8, label: 'dog', boxes: { object: [0, 0, 4, 4] } },
    ]);
    let seq = await getLatestChangeSeq(opened.handle.db);
    // One statement: a unchanged, b relabelled with a moved box, c new.
    const [, , c] = await upsertImages(opened.handle.db, [
      { key: 'img-a', width: 8, height: 8, label: 'cat' },
      { key: 'img-b', width: 8, height: 8, label: 'wolf', boxes: { object: [2, 2, 4, 4] } },
      { key: 'img-c' },
    ]);
    const changes = await readChanges(opened.handle.db, seq);
    expect(changes.map(subject).sort()).toEqual([
      ['image', 'insert', c],
      ['image', 'update', b],
    ]);
    expect(changes.every((c) => c.maskId === null)).toBe(true);

    seq = await getLatestChangeSeq(opened.handle.db);
    await upsertImages(opened.handle.db, [{ key: 'img-a', width: 8, height: 8, label: 'cat' }]);
    expect(await readChanges(opened.handle.db, seq)).toEqual([]);

    // Any writer is logged, not only the repository (here without taking the lock first).
    await opened.handle.db.update(images).set({ split: 'val' }).where(eq(images.id, a));
    expect((await readChanges(opened.handle.db, seq)).map(subject)).toEqual([['image', 'update', a]]);
  });

  it('keeps every change row about exactly one mask or image', async () => {
    await expect(opened.handle.db.execute(sql`insert into mask_changes (op) values ('insert')`)).rejects.toThrow();
    await expect(opened.handle.db.execute(sql`insert into mask_changes (mask_id, image_id, op) values (1, 1, 'insert')`)).rejects.toThrow();
  });

  // Image deletes themselves are not logged: image ids are never reused, and a reader only
  // needs to drop the image's masks.
  it('records masks removed by deleting their image', async () => {
    const [imageId] = await upsertImages(opened.handle.db, [{ key: 'log-cascade' }]);
    const inserted = await insertMasks(opened.handle.db, ['x', 'y'].map((maskType) => ({ imageId, maskType, source: 's', mask: tiny })));
    const seq = await getLatestChangeSeq(opened.handle.db);
    expect(await deleteImages(opened.handle.db, [imageId])).toEqual([imageId]);
    const changes = await readChanges(opened.handle.db, seq);
    expect(changes.map(subject)).toEqual(inserted.map((r) => ['mask', 'delete', r.id]));
  });

  it('notifies listeners with the latest seq once a change commits', async () => {
    // On PostgreSQL the listener is a separate connection pool, as another process would be;
    // PGlite delivers notifications within its own process.
    const listener = testDriver === 'postgres' ? await opened.store.open() : opened.handle;
    const subscription = await subscribe(listener, CHANGES_CHANNEL);
    expect(subscription.established()).toBe(1);

    const [imageId] = await upsertImages(opened.handle.db, [{ key: 'notify-1' }]);
    await insertMasks(opened.handle.db, [1, 2].map((i) => ({ imageId, maskType: `n${i}`, source: 's', mask: tiny })));
    await subscription.waitFor(String(await getLatestChangeSeq(opened.handle.db)));
    await subscription.unlisten();
  });

  it('notifies listeners of image inserts and updates', async () => {
    const listener = testDriver === 'postgres' ? await opened.store.open() : opened.handle;
    const subscription = await subscribe(listener, CHANGES_CHANNEL);
    await upsertImages(opened.handle.db, [{ key: 'notify-image', label: 'before' }]);
    await subscription.waitFor(String(await getLatestChangeSeq(opened.handle.db)));
    const seq = await getLatestChangeSeq(opened.handle.db);
    await upsertImages(opened.handle.db, [{ key: 'notify-image', label: 'after', boxes: { object: [1, 2, 3, 4] } }]);
    const latest = await getLatestChangeSeq(opened.handle.db);
    expect(latest).toBeGreaterThan(seq);
    await subscription.waitFor(String(latest));
    await subscription.unlisten();
  });

  it('relays application notifications', async () => {
    const listener = testDriver === 'postgres' ? await opened.store.open() : opened.handle;
    const subscription = await subscribe(listener, 'masksearch_custom');
    await opened.handle.notify('masksearch_custom', 'hello');
    await subscription.waitFor('hello');
    await subscription.unlisten();
  });
});
