import { Piscina, workerData } from 'piscina';
import { connectPostgres, isPostgresDriverCrash, type Database } from '../db/client.js';
import { loadStoredPixels } from '../db/repositories/masks.js';
import type { Mask } from '../engine/mask.js';
import { countScanTask, decodeBatch, type ScanTask, type StoredBatch } from './pixel-tasks.js';
import type { PixelWorkerData } from './pixel-workers.js';
import { scanStore, type StoreScanResult, type StoreScanTask } from './store-scan.js';

/** Piscina's entry points in a worker thread (chosen by name). */
export function count(task: ScanTask): Float64Array {
  return countScanTask(task);
}

/** A task that does nothing: it settles once the thread has loaded this file (see PixelWorkers). */
export function ready(): true {
  return true;
}

/** The decoded masks go back to the calling thread moved, not copied. */
export function decode(batch: StoredBatch) {
  const masks: Mask[] = decodeBatch(batch);
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return masks.map((mask) => mask.data.buffer);
    },
    get [Piscina.valueSymbol]() {
      return masks;
    },
  });
}

// This thread's own connections to the store, opened with the first scan; they close with the thread.
const { databaseUrl, scanConnections } = (workerData ?? {}) as Partial<PixelWorkerData>;
let store: Database | undefined;
if (databaseUrl) {
  // postgres.js 3.4 can throw from a socket callback when the server drops a connection (see
  // isPostgresDriverCrash): the pool opens another, so this thread goes on. Anything else ends it.
  process.on('uncaughtException', (error) => {
    if (!isPostgresDriverCrash(error)) throw error;
  });
}

/** A scan read from the store and counted here; the counts go back moved. */
export async function scan(task: StoreScanTask) {
  if (!databaseUrl) throw new Error('this pixel worker has no database to read scans from');
  store ??= connectPostgres(databaseUrl, scanConnections ?? 1).db;
  const db = store;
  const result: StoreScanResult = await scanStore((ids) => loadStoredPixels(db, ids), task);
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return result.outcome === 'counted' ? [result.counts.buffer] : [];
    },
    get [Piscina.valueSymbol]() {
      return result;
    },
  });
}
