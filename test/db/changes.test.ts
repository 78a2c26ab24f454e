import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client.js';
import { getLatestChangeSeq, readMaskChanges } from '../../db/repositories/changes.js';
import { deleteImages, upsertImages } from '../../db/repositories/images.js';
import { deleteMasks, insertMasks } from '../../db/repositories/masks.js';
import { CHANGES_CHANNEL } from '../../db/schema.js';
import { createFreshStore, testDriver, type FreshStore } from './fresh-store.js';

const tiny = { width: 1, height: 1, encoding: 'u8' as const, data: new Uint8Array(1) };

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

describe(`mask change log on ${testDriver}`, () => {
  let store: FreshStore;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    store = await createFreshStore();
    handle = await store.open();
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it('records inserts and deletes in order, readable after any seq', async () => {
    expect(await getLatestChangeSeq(handle.db)).toBe(0);
    const [imageId] = await upsertImages(handle.db, [{ key: 'log-1' }]);
    const inserted = await insertMasks(handle.db, ['a', 'b', 'c'].map((maskType) => ({ imageId, maskType, source: 's', mask: tiny })));
    const ids = inserted.map((r) => r.id);
    await deleteMasks(handle.db, [ids[1]]);

    const changes = await readMaskChanges(handle.db, 0);
    expect(changes.map((c) => [c.op, c.maskId])).toEqual([
      ['insert', ids[0]],
      ['insert', ids[1]],
      ['insert', ids[2]],
      ['delete', ids[1]],
    ]);
    expect(changes.map((c) => c.seq)).toEqual([...changes.map((c) => c.seq)].sort((a, b) => a - b));
    expect(changes[0].at).toBeInstanceOf(Date);
    expect(await getLatestChangeSeq(handle.db)).toBe(changes[3].seq);
    expect((await readMaskChanges(handle.db, changes[1].seq)).map((c) => c.seq)).toEqual([changes[2].seq, changes[3].seq]);
    expect(await readMaskChanges(handle.db, 0, 2)).toHaveLength(2);
  });

  it('records masks removed by deleting their image', async () => {
    const [imageId] = await upsertImages(handle.db, [{ key: 'log-cascade' }]);
    const inserted = await insertMasks(handle.db, ['x', 'y'].map((maskType) => ({ imageId, maskType, source: 's', mask: tiny })));
    const seq = await getLatestChangeSeq(handle.db);
    expect(await deleteImages(handle.db, [imageId])).toEqual([imageId]);
    const changes = await readMaskChanges(handle.db, seq);
    expect(changes.map((c) => [c.op, c.maskId])).toEqual(inserted.map((r) => ['delete', r.id]));
  });

  it('notifies listeners with the latest seq once a change commits', async () => {
    // On PostgreSQL the listener is a separate connection pool, as another process would be;
    // PGlite delivers notifications within its own process.
    const listener = testDriver === 'postgres' ? await store.open() : handle;
    const subscription = await subscribe(listener, CHANGES_CHANNEL);
    expect(subscription.established()).toBe(1);

    const [imageId] = await upsertImages(handle.db, [{ key: 'notify-1' }]);
    await insertMasks(handle.db, [1, 2].map((i) => ({ imageId, maskType: `n${i}`, source: 's', mask: tiny })));
    await subscription.waitFor(String(await getLatestChangeSeq(handle.db)));
    await subscription.unlisten();
  });

  it('relays application notifications', async () => {
    const listener = testDriver === 'postgres' ? await store.open() : handle;
    const subscription = await subscribe(listener, 'masksearch_custom');
    await handle.notify('masksearch_custom', 'hello');
    await subscription.waitFor('hello');
    await subscription.unlisten();
  });
});
